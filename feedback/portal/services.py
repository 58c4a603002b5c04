"""What candidates do from their signed links: the reapply reminder, rating, unsubscribing, reapplying.

Candidates have no account: the views read a signed token, load the letter
through ``feedback.portal.selectors`` and call one of these services (or, to
ask a question, ``feedback.requests.services.request_create``). None takes
``by``: the signed link is the candidate's credential.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from candidates.models import Candidate
from core.audit import audit_record
from feedback.letters.selectors import CLOSED_TO_CANDIDATE, letter_closed_to_candidate
from feedback.models import (
    CandidateRating,
    DeliveryStatus,
    FeedbackLetter,
    FeedbackRequest,
    ReapplyAnswer,
    ReapplyReminder,
)
from feedback.portal.selectors import reapply_date, reapply_is_open, reapply_jobs, reminder_due_at
from feedback.requests.services import candidate_touch
from hiring.models import Application
from outbox.message_ids import delivery_message_id

REAPPLY_ANSWER_MAX_LENGTH = 4000
RATING_COMMENT_MAX_LENGTH = 2000


class CandidateActionError(Exception):
    """An action refused in the current state; ``message`` is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReminderStateError(CandidateActionError):
    pass


class ReapplyStateError(CandidateActionError):
    pass


def _require_open_letter(letter: FeedbackLetter) -> Candidate:
    """The letter's candidate, or CandidateActionError when the letter is not open to them."""
    closed = letter_closed_to_candidate(letter)
    if closed:
        raise CandidateActionError(CLOSED_TO_CANDIDATE[closed])
    return letter.application.candidate


# Reminder ------------------------------------------------------------------


@transaction.atomic
def reminder_opt_in(*, letter: FeedbackLetter) -> ReapplyReminder:
    """Remind me when I can reapply: a row due on the reapply date (idempotent).

    Opting in is an explicit request for this one email, so it also lifts an
    earlier unsubscribe.
    """
    candidate = _require_open_letter(letter)
    now = timezone.now()
    if reapply_is_open(letter, now):
        raise ReminderStateError("You can already reapply, so there is nothing to remind you of.")
    due = reminder_due_at(letter)
    reminder, created = ReapplyReminder.objects.select_for_update().get_or_create(
        application=letter.application,
        defaults={
            "candidate": candidate,
            "status": DeliveryStatus.SCHEDULED,
            "send_after": due,
            "opted_in_at": now,
            "message_id": delivery_message_id("reminder"),
        },
    )
    if not created:
        if reminder.status in (DeliveryStatus.SENT, DeliveryStatus.SENDING):
            raise ReminderStateError("Your reminder has already been sent.")
        if reminder.status != DeliveryStatus.SCHEDULED:
            reminder.status = DeliveryStatus.SCHEDULED
            reminder.opted_in_at = now
            reminder.attempts = 0
            reminder.last_error = ""
            reminder.claimed_until = None
        reminder.send_after = due
        reminder.message_id = reminder.message_id or delivery_message_id("reminder")
        reminder.full_clean()
        reminder.save()
    if Candidate.objects.filter(pk=candidate.pk, unsubscribed_at__isnull=False).update(unsubscribed_at=None):
        candidate.unsubscribed_at = None
        audit_record(actor=None, verb="candidate.resubscribed", target=candidate, reason="reminder opt-in")
    candidate_touch(candidate, now)
    audit_record(actor=None, verb="reminder.opted_in", target=reminder)
    return reminder


@transaction.atomic
def reminder_opt_out(*, letter: FeedbackLetter) -> ReapplyReminder | None:
    """Undo "remind me": the reminder is cancelled (idempotent)."""
    candidate = _require_open_letter(letter)
    reminder = ReapplyReminder.objects.select_for_update().filter(application=letter.application).first()
    if reminder is None or reminder.status in (DeliveryStatus.CANCELLED, DeliveryStatus.FAILED):
        return reminder
    if reminder.status != DeliveryStatus.SCHEDULED:
        raise ReminderStateError("Your reminder has already been sent.")
    reminder.status = DeliveryStatus.CANCELLED
    reminder.claimed_until = None
    reminder.save(update_fields=["status", "claimed_until"])
    candidate_touch(candidate, timezone.now())
    audit_record(actor=None, verb="reminder.opted_out", target=reminder)
    return reminder


# Rating --------------------------------------------------------------------


@transaction.atomic
def rating_save(*, letter: FeedbackLetter, score: int, comment: str = "") -> CandidateRating:
    """How useful the feedback was: one rating per letter, which the candidate may change."""
    candidate = _require_open_letter(letter)
    rating = CandidateRating.objects.select_for_update().filter(letter=letter).first()
    rating = rating or CandidateRating(letter=letter)
    rating.score = score
    rating.comment = (comment or "").strip()
    rating.full_clean()
    rating.save()
    candidate_touch(candidate, timezone.now())
    return rating


# Unsubscribe ---------------------------------------------------------------


@transaction.atomic
def candidate_unsubscribe(*, candidate: Candidate) -> Candidate:
    """Stop emailing me: pending reminders and answer emails are cancelled (idempotent)."""
    given = candidate
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.unsubscribed_at is not None:
        given.unsubscribed_at = candidate.unsubscribed_at
        return candidate
    candidate.unsubscribed_at = given.unsubscribed_at = timezone.now()
    candidate.save(update_fields=["unsubscribed_at", "updated_at"])
    ReapplyReminder.objects.filter(candidate=candidate, status=DeliveryStatus.SCHEDULED).update(
        status=DeliveryStatus.CANCELLED, claimed_until=None
    )
    FeedbackRequest.objects.filter(
        letter__application__candidate=candidate, status=FeedbackRequest.Status.SCHEDULED
    ).update(
        status=FeedbackRequest.Status.CANCELLED,
        last_error="Not emailed: the candidate unsubscribed. The answer shows on their page.",
    )
    audit_record(actor=None, verb="candidate.unsubscribed", target=candidate)
    return candidate


# Reapplying ----------------------------------------------------------------


@transaction.atomic
def reapply_submit(
    *,
    letter: FeedbackLetter,
    name: str,
    email: str,
    time_zone: str,
    answers: dict[int, str],
    job=None,
) -> Application:
    """A new application linked to the old one, at the first stage of the job.

    ``job`` defaults to the same job; when that is closed, one of the team's
    open jobs. A link used twice returns the application made the first time
    (the database allows one reapplication per application).
    """
    candidate = _require_open_letter(letter)
    now = timezone.now()
    if not reapply_is_open(letter, now):
        raise ReapplyStateError(f"You can reapply from {date_format(reapply_date(letter), 'j F Y')}.")
    existing = Application.objects.filter(previous=letter.application).first()
    if existing:
        return existing
    allowed = reapply_jobs(letter)
    job = job or (allowed[0] if len(allowed) == 1 else None)
    if job is None or job not in allowed:
        raise ReapplyStateError("Choose one of the open roles.")
    first_stage = job.stages.order_by("position").first()

    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    candidate.name = (name or "").strip()
    candidate.email = (email or "").strip()
    candidate.time_zone = (time_zone or "").strip()
    candidate.consent_given_at = now
    candidate.last_activity_at = now
    if Candidate.objects.filter(email__iexact=candidate.email).exclude(pk=candidate.pk).exists():
        # The database constraint would refuse it; say why, next to the field.
        raise ValidationError(
            {"email": f"This email belongs to another profile. Write to {settings.CANDOR_HR_EMAIL}."}
        )
    candidate.full_clean()

    application = Application(
        candidate=candidate,
        job=job,
        previous=letter.application,
        source=Application.Source.REAPPLY,
        current_stage=first_stage,
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # The same link submitted twice at once: the other submission won.
        return Application.objects.get(previous=letter.application)
    candidate.save()

    points = {p.pk: p for p in letter.decision.points.all()}
    rows = []
    for point_id, text in (answers or {}).items():
        text = (text or "").strip()
        if not text or int(point_id) not in points:
            continue
        if len(text) > REAPPLY_ANSWER_MAX_LENGTH:
            raise ValidationError({f"point_{point_id}": "Keep it under 4000 characters."})
        rows.append(ReapplyAnswer(application=application, point=points[int(point_id)], text=text))
    ReapplyAnswer.objects.bulk_create(rows)

    ReapplyReminder.objects.filter(application=letter.application, status=DeliveryStatus.SCHEDULED).update(
        status=DeliveryStatus.CANCELLED, claimed_until=None
    )
    audit_record(actor=None, verb="application.reapplied", target=application)
    return application
