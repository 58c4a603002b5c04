"""Building blocks for the candidate-side tests: a sent letter and its signed links."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from feedback.links import make_token
from feedback.models import FeedbackLetter
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    job_with_pipeline,
)

LETTER_TEXT = (
    "Dear candidate,\n\nThank you for interviewing with us.\n\nWhen asked to design the rate limiter..."
)


def make_letter(
    *,
    status=FeedbackLetter.Status.SENT,
    decided_at=None,
    cooldown_days=182,
    job=None,
    candidate=None,
    decider=None,
    points=2,
    text=LETTER_TEXT,
) -> FeedbackLetter:
    """A no-hire at the last stage of a three-stage job, with its letter (sent by default)."""
    job = job or job_with_pipeline(reapply_cooldown_days=cooldown_days)
    stages = list(job.stages.order_by("position"))
    kwargs = {"job": job, "current_stage": stages[-1]}
    if candidate is not None:
        kwargs["candidate"] = candidate
    application = ApplicationFactory(**kwargs)
    decider = decider or InterviewerFactory(first_name="Dana", last_name="Decider")
    decided_at = decided_at or timezone.now()
    for stage in stages[:-1]:
        DecisionFactory(application=application, stage=stage, decided_by=decider, decided_at=decided_at)
    decision = DecisionFactory(
        application=application,
        stage=stages[-1],
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=decider,
        decided_at=decided_at,
    )
    for position in range(points):
        FeedbackPointFactory(
            decision=decision, position=position, criterion=stages[-1].criteria.all()[position]
        )
    application.status = application.Status.REJECTED
    application.closed_at = decided_at
    application.save()
    sent = status in (FeedbackLetter.Status.SENT, FeedbackLetter.Status.SENDING)
    return FeedbackLetter.objects.create(
        decision=decision,
        application=application,
        status=status,
        subject=f"Your application for {job.title}",
        body=text,
        deadline=decided_at + dt.timedelta(days=7),
        sent_at=decided_at if sent else None,
        sent_subject=f"Your application for {job.title}" if sent else "",
        sent_text=text if sent else "",
        message_id=f"<letter.{decision.pk}@candor.example>",
    )


def url(name: str, letter, purpose: str = "letter") -> str:
    return reverse(f"candidate:{name}", args=[make_token(purpose, letter.public_id)])
