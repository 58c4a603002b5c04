"""The persistent SMTP backend against a real SMTP server (aiosmtpd) in this process."""

import smtplib

import pytest
from django.core.mail import EmailMessage, get_connection

from outbox import backends
from outbox.backends import PersistentSMTPBackend, smtp_session_close


@pytest.fixture(autouse=True)
def _fresh_session():
    smtp_session_close()
    yield
    smtp_session_close()


def message(n: int = 1) -> EmailMessage:
    return EmailMessage(
        subject=f"Message {n}",
        body="Hello",
        from_email="feedback@candor.example",
        to=["someone@example.com"],
        headers={"Message-ID": f"<probe.{n}@candor.example>"},
    )


def send(msg: EmailMessage) -> int:
    """As the engine sends: a new backend instance from settings for every message."""
    return get_connection(fail_silently=False).send_messages([msg])


def test_settings_pick_the_persistent_backend(smtp_sink):
    assert isinstance(get_connection(), PersistentSMTPBackend)


def test_one_session_carries_many_send_calls(smtp_sink):
    assert [send(message(n)) for n in range(5)] == [1] * 5
    assert smtp_sink.distinct_count == 5
    assert smtp_sink.sessions == 1


def test_many_messages_in_one_call_go_over_one_session(smtp_sink):
    assert get_connection().send_messages([message(n) for n in range(3)]) == 3
    assert smtp_sink.sessions == 1 and smtp_sink.distinct_count == 3


def test_closing_a_backend_keeps_the_session_and_smtp_session_close_ends_it(smtp_sink):
    with get_connection() as connection:
        connection.send_messages([message(1)])
    send(message(2))
    assert smtp_sink.sessions == 1
    smtp_session_close()
    send(message(3))
    assert smtp_sink.sessions == 2


def test_a_session_idle_too_long_is_replaced(smtp_sink, monkeypatch):
    send(message(1))
    monkeypatch.setattr(backends, "SMTP_IDLE_SECONDS", 0)
    send(message(2))
    assert smtp_sink.sessions == 2 and smtp_sink.distinct_count == 2


def test_a_session_opened_with_other_settings_is_replaced(smtp_sink, settings):
    send(message(1))
    settings.EMAIL_TIMEOUT = smtp_sink.email_timeout + 1
    send(message(2))
    assert smtp_sink.sessions == 2


def test_a_session_inherited_across_fork_is_forgotten_not_closed(smtp_sink, monkeypatch):
    send(message(1))
    inherited = backends._local.session
    inherited.pid = -1  # as a forked child sees its parent's session
    quits = []
    monkeypatch.setattr(inherited.connection, "quit", lambda: quits.append(True))
    send(message(2))
    assert quits == [], "the parent's socket is not ours to close"
    assert smtp_sink.sessions == 2 and smtp_sink.distinct_count == 2
    assert backends._local.session is not inherited


def test_a_kept_session_the_server_dropped_gets_one_fresh_try(smtp_sink):
    send(message(1))
    smtp_sink.stop()  # drops the open session
    smtp_sink.start()
    assert send(message(2)) == 1
    assert smtp_sink.sessions == 2
    assert smtp_sink.by_message_id == {"<probe.1@candor.example>": 1, "<probe.2@candor.example>": 1}


def test_a_new_session_that_drops_is_not_tried_again(smtp_sink, monkeypatch):
    tries = []

    def drop(self, *args, **kwargs):
        tries.append(True)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(smtplib.SMTP, "sendmail", drop)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(message(1))
    assert tries == [True]
    assert getattr(backends._local, "session", None) is None


def test_a_kept_session_that_times_out_is_not_tried_again(smtp_sink, settings):
    settings.EMAIL_TIMEOUT = 0.5
    send(message(1))
    smtp_sink.stall()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(message(2))
    smtp_sink.unstall()
    assert smtp_sink.stall_hits == 1
    assert getattr(backends._local, "session", None) is None


def test_a_refused_recipient_closes_the_session_and_the_next_message_opens_one(smtp_sink):
    smtp_sink.refuse_recipient("someone@example.com", code=550)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(message(1))
    smtp_sink.refused_recipients.clear()
    assert send(message(2)) == 1
    assert smtp_sink.sessions == 2


def test_a_message_without_recipients_sends_nothing_and_opens_nothing(smtp_sink):
    assert get_connection().send_messages([EmailMessage(subject="x", body="y", to=[])]) == 0
    assert smtp_sink.sessions == 0


def test_failing_silently_returns_what_was_sent(smtp_sink):
    smtp_sink.stop()
    assert get_connection(fail_silently=True).send_messages([message(1)]) == 0
