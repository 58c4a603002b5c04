"""Fixtures for the sending tests: many due letters, written in bulk."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from candidates.models import Candidate
from feedback.models import FeedbackLetter
from hiring.models import Application, Decision
from hiring.tests.factories import InterviewerFactory, job_with_pipeline

LETTER_BODY = (
    "Dear candidate,\n\nThank you for interviewing with us.\n\n"
    "- When asked to design the rate limiter you used a fixed window and did not say how bursts "
    "at the window boundary are handled.\n"
    "  Compare a sliding window or token bucket and say which trade-off you would pick.\n\n"
    "You may apply again after six months.\n"
)


def make_letters(
    n: int, *, status=FeedbackLetter.Status.SCHEDULED, send_after=None, deadline=None, decider=None
):
    """n no-hire letters for one job, written with bulk_create (fast enough for thousands)."""
    now = timezone.now()
    job = job_with_pipeline(stages=("Resume review", "Technical interview"))
    stage = job.stages.order_by("position").last()
    decider = decider or InterviewerFactory(first_name="Dana", last_name="Decider")
    batch = uuid.uuid4().hex[:8]
    candidates = Candidate.objects.bulk_create(
        [Candidate(name=f"Candidate {batch}-{i}", email=f"c{i}-{batch}@example.com") for i in range(n)]
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                candidate=c, job=job, current_stage=stage, status=Application.Status.REJECTED, closed_at=now
            )
            for c in candidates
        ]
    )
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                application=a,
                stage=stage,
                outcome=Decision.Outcome.NO_HIRE,
                decided_by=decider,
                decided_at=now,
            )
            for a in applications
        ]
    )
    due = send_after if send_after is not None else now - dt.timedelta(seconds=1)
    scheduled = status not in FeedbackLetter.EDITABLE
    return FeedbackLetter.objects.bulk_create(
        [
            FeedbackLetter(
                decision=d,
                application=d.application,
                subject=f"Your application for {job.title}",
                body=LETTER_BODY,
                deadline=deadline or now + dt.timedelta(days=7),
                status=status,
                send_after=due if scheduled else None,
                approved_at=now if scheduled else None,
            )
            for d in decisions
        ],
        batch_size=1000,
    )


@pytest.fixture
def due_letters():
    """A factory: ``due_letters(n, **options)`` → n scheduled letters due now."""
    return make_letters
