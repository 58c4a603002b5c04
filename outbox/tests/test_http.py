"""The HTTP POST of non-email transports: which answers are sent, temporary, permanent or unknown."""

import pytest

from events.tests.receiver import WebhookReceiver
from outbox.errors import OutcomeUnknownError, TransportError, explain_failure, failure_concerns_one_message
from outbox.http import http_post


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (500, False),
        (503, False),
        (408, False),
        (429, False),
        (400, True),
        (401, True),
        (410, True),
        (302, True),
    ],
)
def test_answers_other_than_2xx_are_temporary_or_permanent(receiver, status, permanent):
    receiver.answer(status)
    with pytest.raises(TransportError) as caught:
        http_post(receiver.url, b"{}", {}, timeout=5)
    assert (caught.value.permanent, caught.value.status) == (permanent, status)
    assert explain_failure(caught.value)[0] is permanent
    assert failure_concerns_one_message(caught.value)


def test_2xx_is_sent_and_the_body_arrives_whole(receiver):
    receiver.answer(202)
    assert http_post(receiver.url, b'{"a":1}', {"X-Test": "1"}, timeout=5) == 202
    (got,) = receiver.requests
    assert got["body"] == b'{"a":1}' and got["headers"]["X-Test"] == "1"


def test_a_refused_connection_is_temporary_and_nothing_was_handed_over():
    with pytest.raises(TransportError) as caught:
        http_post("http://127.0.0.1:9/", b"{}", {}, timeout=2)
    assert not caught.value.permanent and caught.value.status is None


def test_no_answer_after_the_request_was_written_is_unknown(receiver):
    receiver.drop_after_body(1)
    with pytest.raises(OutcomeUnknownError):
        http_post(receiver.url, b"{}", {}, timeout=2)
    receiver.hold_seconds = 1.5
    with pytest.raises(OutcomeUnknownError):
        http_post(receiver.url, b"{}", {}, timeout=0.5)
    assert receiver.count() == 2


def test_a_url_that_is_not_http_is_a_permanent_failure():
    with pytest.raises(TransportError) as caught:
        http_post("ftp://example.com/x", b"{}", {}, timeout=1)
    assert caught.value.permanent


def test_event_listeners_get_only_what_they_want_and_can_be_removed():
    from core.events import emit_event, event_wanted, register_event_listener, unregister_event_listener

    got = []

    def listener(name, payloads):
        got.append((name, payloads))

    register_event_listener(listener, wants=lambda name: name == "x.happened")
    try:
        assert event_wanted("x.happened")
        emit_event("x.happened", {"id": 1})
        emit_event("y.happened", {"id": 2})
        assert got == [("x.happened", [{"id": 1}])]
    finally:
        unregister_event_listener(listener)
    emit_event("x.happened", {"id": 3})
    assert len(got) == 1
