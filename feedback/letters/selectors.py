"""Reads of letters: who may see and review which letter, the HR queue, and which letters a
candidate may open.

Every HR view loads letters through ``letters_visible_to``; services ask
``can_review_letters`` before they write; the candidate's pages and services ask
``letter_closed_to_candidate``. The dashboard and insight figures are in
``feedback.insights.selectors``.
"""

import datetime as dt

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from core.audit import audit_for
from core.roles import is_hr
from feedback.models import FeedbackLetter, LetterTemplate

Status = FeedbackLetter.Status
# Letters HR still has to act on or watch: not yet sent.
QUEUE_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.FAILED)
# A letter in one of these has not reached the candidate yet.
UNSENT_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.SENDING, Status.FAILED)


# Letters a candidate may open. A letter in "sending" may already be in their
# inbox (the SMTP hand-off happens before the row is marked sent).
CANDIDATE_VISIBLE = (Status.SENT, Status.SENDING)
# Why a candidate may not open or act on a letter, in words for them.
CLOSED_TO_CANDIDATE = {
    "erased": "This feedback has been deleted.",
    "not_sent": "This letter has not been sent.",
}


def can_review_letters(user) -> bool:
    """Read, edit, approve, cancel and retry letters, and edit letter templates: HR only.

    ``user`` may be None (no one signed in): False.
    """
    return user is not None and is_hr(user)


def letter_on_page_only(letter: FeedbackLetter) -> bool:
    """An approved letter the sending engine did not email because the candidate had unsubscribed.

    It is cancelled at its send time (``letters.emails.letter_skip_reason``), keeps
    ``approved_at``, and is the candidate's to read on their page all the same. (HR's own
    "cancel" puts a letter back in review and clears ``approved_at``; erasure cancels too,
    but an erased candidate opens nothing.) Reads ``letter.application.candidate``.
    """
    return (
        letter.status == Status.CANCELLED
        and letter.approved_at is not None
        and letter.application.candidate.unsubscribed
    )


def letter_closed_to_candidate(letter: FeedbackLetter) -> str | None:
    """Why the candidate may not open or act on ``letter``, or None if they may.

    "erased": their data was erased; "not_sent": the letter has not gone out
    (``CANDIDATE_VISIBLE``) and is not one kept for their page (``letter_on_page_only``).
    ``CLOSED_TO_CANDIDATE`` has the words for each. Reads ``letter.application.candidate``
    (load it with the letter).
    """
    if letter.application.candidate.erased:
        return "erased"
    if letter.status not in CANDIDATE_VISIBLE and not letter_on_page_only(letter):
        return "not_sent"
    return None


def letters_visible_to(user) -> QuerySet[FeedbackLetter]:
    """HR sees every letter; nobody else sees letters on these pages."""
    if can_review_letters(user):
        return FeedbackLetter.objects.all()
    return FeedbackLetter.objects.none()


def letter_for_user(*, user, pk: int) -> FeedbackLetter:
    """The letter with everything the editor shows, or 404."""
    letter = (
        letters_visible_to(user)
        .select_related(
            "application__candidate",
            "application__job",
            "decision__decided_by",
            "decision__stage",
            "template",
            "approved_by",
        )
        .filter(pk=pk)
        .first()
    )
    if letter is None:
        raise Http404
    return letter


def letter_queue(*, user, now: dt.datetime | None = None) -> QuerySet[FeedbackLetter]:
    """Letters not yet sent, nearest deadline first, each flagged ``is_overdue``."""
    now = now or timezone.now()
    return (
        letters_visible_to(user)
        .filter(status__in=QUEUE_STATUSES)
        .select_related("application__candidate", "application__job", "decision__decided_by")
        # The list shows none of the texts (read in order from letter_queue_idx).
        .defer("body", "sent_text", "sent_html", "last_error")
        .annotate(
            is_overdue=Case(
                When(deadline__lt=now, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("deadline", "id")
    )


def letters_in_review_count(*, user) -> int:
    """How many letters "approve every clean letter in review" would consider."""
    return letters_visible_to(user).filter(status=Status.IN_REVIEW).count()


def letter_events(letter: FeedbackLetter):
    """The letter's audit trail, oldest first."""
    return audit_for(letter).order_by("created_at", "id")


def letter_templates_visible_to(user) -> QuerySet[LetterTemplate]:
    if can_review_letters(user):
        return LetterTemplate.objects.select_related("updated_by")
    return LetterTemplate.objects.none()


def letter_template_for_user(*, user, pk: int) -> LetterTemplate:
    template = letter_templates_visible_to(user).filter(pk=pk).first()
    if template is None:
        raise Http404
    return template
