"""The engine under faults, in one process: an SMTP server (aiosmtpd) that drops, holds or trickles its
answer, a server answering 4xx for hours, a database that fails after a message went out, a clock that
runs ahead. Letters are the rows (feedback's model), with a minimal builder: the engine's behaviour,
not the letter's wording.

The same faults with a real worker, Redis and PostgreSQL: feedback/tests/test_exactly_once.py.
"""

import dataclasses
import datetime as dt
import itertools
import threading
import time

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError, connection
from django.utils import timezone

from core.audit import audit_for
from feedback.models import FeedbackLetter
from feedback.tests.conftest import make_letters
from outbox import marking, sending
from outbox import services as delivery
from outbox.claims import db_lease
from outbox.services import (
    DeliveryInterrupted,
    DeliveryStateError,
    Outcome,
    TemporaryDeliveryError,
    deliveries_claim_due,
    deliveries_recover,
    deliveries_send_chunk,
    delivery_retry,
    delivery_send,
)
from outbox.tasks import delivery_send_chunk_task, delivery_send_task
from tests.support.workers import wait_until

pytestmark = pytest.mark.django_db

Status = FeedbackLetter.Status
BUILDS = itertools.count()


def counting_builder(letter):
    """A two-part message that differs at every build (as freshly signed links would)."""
    build = next(BUILDS)
    msg = EmailMultiAlternatives(
        subject=letter.subject,
        body=f"{letter.body}\nBuild {build}",
        to=[letter.application.candidate.email],
    )
    msg.attach_alternative(f"<p>{letter.pk} build {build}</p>", "text/html")
    return msg


@pytest.fixture(autouse=True)
def _letter_builder(monkeypatch):
    kind = dataclasses.replace(delivery.KINDS["letter"], builder="outbox.tests.test_faults.counting_builder")
    monkeypatch.setitem(delivery.KINDS, "letter", kind)


@pytest.fixture(autouse=True)
def _fresh_mail_connection():
    delivery.delivery_connections_close()
    yield
    delivery.delivery_connections_close()


@pytest.fixture
def published(monkeypatch):
    """Send tasks queued (name, args, countdown), recorded instead of published."""
    calls = []
    for task in (delivery_send_task, delivery_send_chunk_task):

        def record(args, task=task, **options):
            calls.append((task.name.rsplit(".", 1)[-1], tuple(args), options.get("countdown")))

        monkeypatch.setattr(task, "apply_async", record, raising=False)
    return calls


def refresh(letter):
    letter.refresh_from_db()
    return letter


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# -- unknown outcomes: handed over, no answer ---------------------------------


def test_a_message_dropped_after_data_is_unknown_and_the_engine_never_sends_it_again(
    smtp_sink, published, django_capture_on_commit_callbacks
):
    (letter,) = make_letters(1)
    smtp_sink.drop_after_data(1)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.UNKNOWN
    letter = refresh(letter)
    assert letter.status == Status.UNKNOWN
    assert letter.claimed_until is None and letter.attempts == 1
    assert "after the message was handed over" in letter.last_error
    assert [event.verb for event in audit_for(letter)] == ["letter.unknown"]
    # Nothing sends it again by itself: not the same task, not the sweeps.
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SKIPPED
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_claim_due(kind="letter") == []
        assert deliveries_recover() == {"answer": 0, "digest": 0, "letter": 0, "reminder": 0, "webhook": 0}
    assert published == []
    assert smtp_sink.raw_count == 1


def test_an_answer_held_past_the_timeout_is_unknown_not_a_failure_to_retry(smtp_sink, settings):
    settings.EMAIL_TIMEOUT = 0.5
    (letter,) = make_letters(1)
    smtp_sink.hold_answer(2, n=1)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.UNKNOWN
    letter = refresh(letter)
    assert letter.status == Status.UNKNOWN
    assert "did not answer within 0.5 seconds" in letter.last_error
    assert smtp_sink.raw_count == 1


def test_every_message_dropped_after_data_goes_once_each_and_all_are_unknown(smtp_sink):
    """The issue's case: before, each of 20 letters arrived 6 times and all ended failed."""
    letters = make_letters(20)
    pks = [letter.pk for letter in letters]
    smtp_sink.drop_after_data(1000)
    assert deliveries_send_chunk(kind="letter", pks=pks) == dict.fromkeys(pks, Outcome.UNKNOWN)
    assert deliveries_send_chunk(kind="letter", pks=pks) == dict.fromkeys(pks, Outcome.SKIPPED)
    assert smtp_sink.raw_count == 20 and smtp_sink.duplicates() == {}
    assert set(FeedbackLetter.objects.filter(pk__in=pks).values_list("status", flat=True)) == {Status.UNKNOWN}


def test_a_drop_after_data_mid_chunk_leaves_that_letter_unknown_and_sends_the_others_once(smtp_sink):
    letters = make_letters(5)
    pks = [letter.pk for letter in letters]
    smtp_sink.drop_after_data(1)  # the chunk sends in id order: the first letter gets it
    outcomes = deliveries_send_chunk(kind="letter", pks=pks)
    assert [outcomes[pk] for pk in pks] == [Outcome.UNKNOWN] + [Outcome.SENT] * 4
    assert smtp_sink.raw_count == 5 and smtp_sink.duplicates() == {}


def test_a_kept_session_the_server_dropped_while_idle_is_still_tried_once_more(smtp_sink):
    """Before DATA nothing was handed over: a fresh session and one more try are safe."""
    letters = make_letters(2)
    assert delivery_send(kind="letter", pk=letters[0].pk) == Outcome.SENT
    smtp_sink.stop()
    smtp_sink.start()  # the kept session is now dead; the client learns it at MAIL FROM
    assert delivery_send(kind="letter", pk=letters[1].pk) == Outcome.SENT
    assert smtp_sink.raw_count == 2 and smtp_sink.duplicates() == {}
    assert smtp_sink.sessions == 2
    assert refresh(letters[1]).status == Status.SENT


def test_a_send_that_outlives_its_deadline_is_cut_and_left_unknown(smtp_sink, settings):
    settings.EMAIL_TIMEOUT = 30  # each read may wait long; the whole send may not
    settings.CANDOR_SEND_DEADLINE_SECONDS = 1
    (letter,) = make_letters(1)
    smtp_sink.hold_answer(6, n=1)
    started = time.monotonic()
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.UNKNOWN
    assert time.monotonic() - started < 4
    assert "had not finished within 1 seconds" in refresh(letter).last_error
    assert smtp_sink.raw_count == 1


def test_hr_sends_an_unknown_message_again_only_when_confirmed_and_with_the_same_bytes(smtp_sink):
    (letter,) = make_letters(1)
    smtp_sink.drop_after_data(1)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.UNKNOWN
    stored = bytes(refresh(letter).sent_raw)
    with pytest.raises(DeliveryStateError, match="may already have been received"):
        delivery_retry(kind="letter", pk=letter.pk)
    assert refresh(letter).status == Status.UNKNOWN
    assert delivery_retry(kind="letter", pk=letter.pk, resend_unknown=True) == Status.UNKNOWN
    assert bytes(refresh(letter).sent_raw) == stored
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    letter = refresh(letter)
    assert letter.status == Status.SENT
    assert letter.sent_raw is None  # sent: no try will come; what went out stays in sent_text/html
    first, second = smtp_sink.messages
    assert first.as_bytes() == second.as_bytes()
    assert smtp_sink.duplicates() == {letter.message_id: 2}


# -- the message built once ---------------------------------------------------


def test_every_try_sends_the_bytes_the_first_try_built_and_kept(smtp_sink, published):
    (letter,) = make_letters(1)
    smtp_sink.fail_next(2, code=451)
    builds_before = next(BUILDS)
    for _ in range(2):
        with pytest.raises(TemporaryDeliveryError):
            delivery_send(kind="letter", pk=letter.pk)
    first = FeedbackLetter.objects.get(pk=letter.pk)  # as stored by the first try
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    letter = refresh(letter)
    assert letter.attempts == 3
    assert next(BUILDS) == builds_before + 2, "built once (plus this probe)"
    (arrived,) = smtp_sink.messages
    # What arrived is the first build (its links signed once), and so is the record of it.
    assert body_of(arrived).replace("\r\n", "\n").strip() == first.sent_text.strip()
    assert letter.sent_text == first.sent_text and letter.sent_html == first.sent_html
    assert arrived["Message-ID"] == letter.message_id
    assert arrived.as_bytes().replace(b"\r\n", b"\n") == bytes(first.sent_raw).replace(b"\r\n", b"\n")


def test_a_failed_letter_retried_by_hand_is_built_again(smtp_sink, settings):
    settings.CANDOR_SEND_MAX_RETRIES = 0
    settings.CANDOR_SEND_RETRY_HOURS = 0
    (letter,) = make_letters(1)
    smtp_sink.stop()
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    assert refresh(letter).sent_raw is not None
    smtp_sink.start()
    assert delivery_retry(kind="letter", pk=letter.pk) == Status.FAILED
    assert (
        refresh(letter).sent_raw is None
    )  # nothing reached anyone: a fresh build (e.g. a corrected address)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT


# -- temporary failures wait, for hours ---------------------------------------


def test_temporary_failures_are_retried_by_the_task_then_wait_in_the_database_then_fail_after_the_window(
    smtp_sink, settings, django_capture_on_commit_callbacks, published
):
    settings.CANDOR_SEND_MAX_RETRIES = 1
    settings.CANDOR_SEND_RETRY_HOURS = 1
    (letter,) = make_letters(1)
    smtp_sink.fail_next(100, code=421)

    with pytest.raises(TemporaryDeliveryError) as quick:
        delivery_send(kind="letter", pk=letter.pk)
    assert quick.value.countdown is not None and 0 <= quick.value.countdown <= 300

    with pytest.raises(TemporaryDeliveryError) as slow:
        delivery_send(kind="letter", pk=letter.pk)
    assert slow.value.countdown is None  # no broker countdown: the row waits in the database
    letter = refresh(letter)
    assert letter.status == Status.SCHEDULED and letter.attempts == 2
    assert letter.failing_since is not None and letter.claimed_until > timezone.now()
    assert letter.last_error.startswith("Try 2 failed, trying again: The mail server answered 421")

    # Its wait over, the recovery sweep queues it; still inside the window, it waits again.
    FeedbackLetter.objects.filter(pk=letter.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_recover()["letter"] == 1
    assert published == [("delivery_send_task", ("letter", letter.pk), None)]
    with pytest.raises(TemporaryDeliveryError):
        delivery_send(kind="letter", pk=letter.pk)

    # Past the window since the first failure: it fails, with the reason and the tries.
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        failing_since=timezone.now() - dt.timedelta(hours=2),
        send_after=timezone.now() - dt.timedelta(hours=2),
    )
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    letter = refresh(letter)
    assert letter.status == Status.FAILED
    assert (
        letter.last_error
        == "The mail server answered 421 4.3.0 Refused by the test sink. Gave up after 4 tries."
    )
    assert smtp_sink.raw_count == 0


def test_the_wait_between_tries_grows_and_is_capped(settings):
    settings.CANDOR_SEND_RETRY_MAX_WAIT_SECONDS = 1800
    waits = [sending.retry_wait_seconds(attempt) for attempt in range(1, 30)]
    assert all(0 < wait <= 1800 for wait in waits)
    assert sending.retry_wait_seconds(7) >= 32 and sending.retry_wait_seconds(20) >= 900


def test_a_chunk_meeting_a_server_down_for_a_while_makes_its_letters_wait_not_fail(
    smtp_sink, settings, published, django_capture_on_commit_callbacks
):
    settings.CANDOR_SEND_MAX_RETRIES = 0  # straight to waiting in the database
    letters = make_letters(4)
    pks = [letter.pk for letter in letters]
    smtp_sink.fail_for(60, code=421)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = deliveries_send_chunk(kind="letter", pks=pks)
    assert set(outcomes.values()) == {Outcome.SKIPPED}
    rows = [refresh(letter) for letter in letters]
    assert [row.status for row in rows] == [Status.SCHEDULED] * 4
    assert rows[0].attempts == 1 and rows[0].failing_since is not None
    # No broker message at all: the failed row and the untried ones wait in the database,
    # claimed as long (the server is down for a while), for the recovery sweep.
    assert published == []
    assert [row.attempts for row in rows[1:]] == [0, 0, 0]
    assert all(row.claimed_until > timezone.now() for row in rows)
    FeedbackLetter.objects.filter(pk__in=pks).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_recover()["letter"] == 4


# -- leases on the database's clock, renewed while sending ----------------------


def test_a_process_whose_clock_runs_15_minutes_ahead_does_not_take_rows_still_being_sent(
    monkeypatch, published, django_capture_on_commit_callbacks
):
    (letter,) = make_letters(1)
    # Taken by a live worker a moment ago, with a lease written on the database's clock.
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=Status.SENDING, attempts=1, claimed_until=db_lease()
    )
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=15))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_claim_due(kind="letter") == []
        assert deliveries_recover()["letter"] == 0
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SKIPPED
    assert published == []


@pytest.mark.services  # concurrent writers: SQLite's shared cache locks the keeper out
@pytest.mark.django_db(transaction=True)
def test_a_live_workers_lease_is_renewed_through_a_slow_answer_so_nobody_takes_it_over(
    smtp_sink, settings, published
):
    """A server that trickles its answer over 3 leases: the keeper renews, the sweeps never hand it out."""
    settings.CANDOR_SEND_LEASE_SECONDS = 1
    (letter,) = make_letters(1)
    smtp_sink.trickle(3.5, n=1)
    outcome = []

    def send():
        try:
            outcome.append(delivery_send(kind="letter", pk=letter.pk))
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    claimed = []
    try:
        assert wait_until(lambda: refresh(letter).status == Status.SENDING, timeout=5)
        while sender.is_alive():
            claimed += deliveries_claim_due(kind="letter") + [k for k, n in deliveries_recover().items() if n]
            time.sleep(0.1)
    finally:
        sender.join(timeout=30)
    assert outcome == [Outcome.SENT]
    assert claimed == [] and published == []
    assert smtp_sink.raw_count == 1


# -- the database fails after a message went out --------------------------------


def test_a_database_error_after_messages_went_out_is_recorded_by_the_retry_not_resent(smtp_sink, monkeypatch):
    letters = make_letters(4)
    pks = [letter.pk for letter in letters]
    mark = marking.rows_mark_sent
    calls = itertools.count()

    def database_gone_at_the_third(spec, rows):
        if rows and next(calls) == 2:
            raise OperationalError("terminating connection due to administrator command")
        return mark(spec, rows)

    monkeypatch.setattr(sending, "rows_mark_sent", database_gone_at_the_third)
    with pytest.raises(DeliveryInterrupted) as interrupted:
        deliveries_send_chunk(kind="letter", pks=pks)
    third = refresh(letters[2])
    fourth = letters[3]
    assert interrupted.value.settled == [[third.pk, 1, Outcome.SENT, ""], [fourth.pk, 1, "untried", ""]]
    assert third.status == Status.SENDING  # sent, not yet recorded
    monkeypatch.setattr(sending, "rows_mark_sent", mark)
    # The task's retry carries the outcome: it is written, and only the untried letter is sent.
    outcomes = deliveries_send_chunk(kind="letter", pks=pks, settled=interrupted.value.settled)
    assert [outcomes[pk] for pk in pks] == [Outcome.SKIPPED] * 3 + [Outcome.SENT]
    assert [refresh(letter).status for letter in letters] == [Status.SENT] * 4
    assert smtp_sink.raw_count == 4 and smtp_sink.duplicates() == {}
    assert [event.verb for event in audit_for(third)] == ["letter.sent"]


def test_the_chunk_task_retries_an_interrupted_chunk_with_its_unwritten_outcomes(monkeypatch, smtp_sink):
    letters = make_letters(2)
    retried = []

    def interrupted(**kwargs):
        raise DeliveryInterrupted([[letters[0].pk, 1, Outcome.SENT, ""]], OperationalError("gone"))

    def record_retry(*args, **kwargs):
        retried.append(kwargs)
        raise RuntimeError("stop here")  # the real retry() would publish a message

    monkeypatch.setattr("outbox.tasks.deliveries_send_chunk", interrupted)
    monkeypatch.setattr(delivery_send_chunk_task, "retry", record_retry)
    delivery_send_chunk_task.apply(args=("letter", [letter.pk for letter in letters]))
    assert retried[0]["kwargs"] == {"settled": [[letters[0].pk, 1, "sent", ""]]}
    assert 0 <= retried[0]["countdown"] <= 300
