"""ATS webhooks in with a real Celery worker (PostgreSQL, Redis): each vendor's signed rejection
is queued by the receiver after commit, processed by the worker (which fetches the scorecards
from the local recorded vendor API), and ends with a draft letter once the decider records
their points; a replay queues nothing and changes nothing."""

import pytest

from feedback.models import FeedbackLetter
from hiring.models import Application, Decision
from hiring.services.decisions import decision_record
from integrations.models import AtsRejection, InboundEvent
from integrations.tests.support import ats_world, post_webhook, signed
from tests.support.workers import wait_until


def _settled(vendor):
    return not InboundEvent.objects.filter(vendor=vendor, state=InboundEvent.State.RECEIVED).exists()


@pytest.mark.services
def test_each_vendor_rejection_processed_by_a_worker_ends_with_the_deciders_letter(
    celery_worker_process, vendor_server, client
):
    celery_worker_process.start(concurrency=1)
    for vendor in ("greenhouse", "lever", "ashby"):
        world = ats_world(vendor, base_url=vendor_server.url)
        body, headers = signed(vendor)
        assert post_webhook(client, vendor, body, headers).status_code == 202
        assert wait_until(lambda v=vendor: _settled(v), timeout=60), celery_worker_process.log()[-3000:]
        event = InboundEvent.objects.get(vendor=vendor)
        assert event.state == InboundEvent.State.DONE, event.error

        rejection = AtsRejection.objects.get(connection=world["connection"])
        applications = Application.objects.count()
        assert post_webhook(client, vendor, body, headers).status_code == 200  # replay
        assert InboundEvent.objects.filter(vendor=vendor).count() == 1
        assert Application.objects.count() == applications

        decision = decision_record(
            application=rejection.application,
            stage=world["stage"],
            outcome=Decision.Outcome.NO_HIRE,
            decided_by=world["decider"],
            points=[
                {
                    "criterion": world["stage"].criteria.get(name="Problem solving"),
                    "observation": "The queue design did not say what happens when a consumer crashes.",
                    "suggestion": "Walk through one failure case end to end before optimising.",
                }
            ],
        )
        letter = FeedbackLetter.objects.get(decision=decision)
        assert letter.decision.decided_by == world["decider"]
        rejection.refresh_from_db()
        assert rejection.state == AtsRejection.State.DECIDED
