"""Feedback letter services. STUB owned by the letters work: replace the body, keep the signature."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from feedback.models import FeedbackLetter


@transaction.atomic
def letter_draft(*, decision) -> FeedbackLetter:
    """Draft the one letter of a no-hire decision (idempotent: returns the existing one)."""
    existing = FeedbackLetter.objects.filter(decision=decision).first()
    if existing:
        return existing
    return FeedbackLetter.objects.create(
        decision=decision,
        application=decision.application,
        subject=f"Your application for {decision.application.job.title}",
        body="(draft)",
        deadline=timezone.now() + dt.timedelta(days=7),
    )
