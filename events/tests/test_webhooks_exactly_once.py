"""Events out under faults: a real worker, Redis, PostgreSQL, an SMTP sink and a receiver on localhost.

Letters go out through the worker; each one sent announces ``letter.sent``, which makes
one signed webhook delivery that the same worker POSTs to the receiver. The worker is
SIGKILLed mid-send (the letters' fault test pattern, feedback/tests/test_exactly_once.py):
every letter's event arrives, each event id once after deduplication, with at most one
raw repeat per killed worker (its pool processes share one hand-over gate), and every
signature verifies.
"""

import time

import pytest

from events.models import WebhookDelivery
from events.services import subscription_create
from events.tests.receiver import WebhookReceiver
from feedback.models import FeedbackLetter
from feedback.tests.conftest import make_letters
from feedback.tests.test_exactly_once import RECOVERY_LIMIT, Beat, fault_worker
from hiring.tests.factories import HRFactory
from outbox.models import DeliveryStatus
from tests.support.workers import wait_until

pytestmark = pytest.mark.services

LETTERS = 120


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


def test_worker_killed_mid_send_every_letter_event_reaches_the_receiver_once(
    celery_worker_process, smtp_sink, receiver, settings
):
    settings.CANDOR_SEND_LEASE_SECONDS = 3
    sub = subscription_create(by=HRFactory(), name="Receiver", url=receiver.url, events=["letter.sent"])
    receiver.secret = sub.secret
    letters = make_letters(LETTERS)
    smtp_sink.hold_answer(0.02)
    receiver.hold_seconds = 0.03  # the kill lands mid-POST as well as mid-SMTP
    concurrency = 2
    worker = fault_worker(celery_worker_process, concurrency=concurrency)
    with Beat(every=1):
        assert wait_until(lambda: len(receiver.by_event_id()) >= 30, timeout=120), "no webhooks arrived"
        worker.kill()
        killed_at = time.monotonic()
        worker.restart()
        assert wait_until(lambda: len(receiver.by_event_id()) >= LETTERS, timeout=RECOVERY_LIMIT + 60), (
            f"{len(receiver.by_event_id())} of {LETTERS} events arrived"
        )
        recovered_after = time.monotonic() - killed_at
        assert wait_until(
            lambda: WebhookDelivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0, timeout=30
        )
    rows = list(WebhookDelivery.objects.all())
    # One event (one delivery) per letter sent, whatever happened to the letter's own SMTP send.
    assert len(rows) == LETTERS
    assert sorted(r.payload["id"] for r in rows) == sorted(letter.pk for letter in letters)
    assert FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SENT).count() == LETTERS
    counts = receiver.by_event_id()
    assert set(counts) == {str(r.event_id) for r in rows}
    # A POST handed over and not yet marked when the worker died goes again: at most one per kill.
    assert sum(counts.values()) - LETTERS <= 1
    assert receiver.all_valid()
    print(
        f"\nFAULT webhook worker SIGKILL: raw={sum(counts.values())} distinct={len(counts)} "
        f"recovered_after_s={recovered_after:.1f}"
    )
