"""What candidates do from their signed links, and the answers to their requests.

Candidates have no account: the views read a signed token, load the letter
through ``feedback.portal.selectors`` and call one of these services.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from candidates.models import Candidate
from core.audit import audit_record
from core.dates import add_business_days, end_of_local_day, org_tz
from feedback.models import (
    CandidateRating,
    DeliveryStatus,
    FeedbackLetter,
    FeedbackRequest,
    ReapplyAnswer,
    ReapplyReminder,
)
from feedback.portal.selectors import (
    CANDIDATE_VISIBLE,
    reapply_date,
    reapply_is_open,
    reapply_jobs,
    reminder_due_at,
)
from feedback.quality import rules as quality
from hiring.models import Application
from outbox.services import mail_domain

QUESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 4000
REAPPLY_ANSWER_MAX_LENGTH = 4000
RATING_COMMENT_MAX_LENGTH = 2000
# Requests a candidate may make per letter: enough to follow up, not a channel for spam.
REQUESTS_PER_LETTER = 3


class CandidateActionError(Exception):
    """An action refused in the current state; ``message`` is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReminderStateError(CandidateActionError):
    pass


class RequestStateError(CandidateActionError):
    pass


class ReapplyStateError(CandidateActionError):
    pass


class QualityCheckFailed(CandidateActionError):
    """The answer has quality findings and no override reason was given."""

    def __init__(self, findings):
        super().__init__("The answer has quality flags: fix them, or give a reason to override.")
        self.findings = findings


def message_id(kind: str) -> str:
    """A Message-ID unique to one row, kept on the row so a resend reuses it."""
    return f"<{kind}.{uuid.uuid4().hex}@{mail_domain()}>"


def _touch(candidate: Candidate, now: dt.datetime) -> None:
    """The candidate acted: retention counts from now."""
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=now)
    candidate.last_activity_at = now


def _require_open_letter(letter: FeedbackLetter) -> Candidate:
    candidate = letter.application.candidate
    if candidate.erased:
        raise CandidateActionError("This feedback has been deleted.")
    if letter.status not in CANDIDATE_VISIBLE:
        raise CandidateActionError("This letter has not been sent.")
    return candidate


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
            "message_id": message_id("reminder"),
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
        reminder.message_id = reminder.message_id or message_id("reminder")
        reminder.full_clean()
        reminder.save()
    if Candidate.objects.filter(pk=candidate.pk, unsubscribed_at__isnull=False).update(unsubscribed_at=None):
        candidate.unsubscribed_at = None
        audit_record(actor=None, verb="candidate.resubscribed", target=candidate, reason="reminder opt-in")
    _touch(candidate, now)
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
    _touch(candidate, timezone.now())
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
    _touch(candidate, timezone.now())
    return rating


# Requests for more detail ----------------------------------------------------


def request_deadline(now: dt.datetime) -> dt.datetime:
    today = now.astimezone(org_tz()).date()
    return end_of_local_day(add_business_days(today, settings.CANDOR_REQUEST_DEADLINE_DAYS))


@transaction.atomic
def request_create(*, letter: FeedbackLetter, question: str) -> FeedbackRequest:
    """Ask for more detail: routed to the decider, due in CANDOR_REQUEST_DEADLINE_DAYS business days."""
    candidate = _require_open_letter(letter)
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": "Write your question."})
    if len(question) > QUESTION_MAX_LENGTH:
        raise ValidationError({"question": f"Keep it under {QUESTION_MAX_LENGTH} characters."})
    # Lock the letter so two quick submissions cannot both pass the limit.
    FeedbackLetter.objects.select_for_update().filter(pk=letter.pk).first()
    if FeedbackRequest.objects.filter(letter=letter).count() >= REQUESTS_PER_LETTER:
        raise RequestStateError(
            f"You have already asked {REQUESTS_PER_LETTER} questions about this letter. "
            f"For anything else, write to {settings.CANDOR_HR_EMAIL}."
        )
    now = timezone.now()
    request = FeedbackRequest(
        letter=letter,
        question=question,
        status=FeedbackRequest.Status.OPEN,
        asked_at=now,
        deadline=request_deadline(now),
        message_id=message_id("answer"),
    )
    request.full_clean()
    request.save()
    _touch(candidate, now)
    audit_record(actor=None, verb="request.created", target=request)
    return request


def _locked_request(request: FeedbackRequest) -> FeedbackRequest:
    return (
        FeedbackRequest.objects.select_for_update(of=("self",))
        .select_related("letter__application__candidate")
        .get(pk=request.pk)
    )


@transaction.atomic
def request_answer(*, request: FeedbackRequest, by, answer: str) -> FeedbackRequest:
    """The decider answers; the answer goes to HR review. They may revise it until approved."""
    request = _locked_request(request)
    if request.status not in (FeedbackRequest.Status.OPEN, FeedbackRequest.Status.IN_REVIEW):
        raise RequestStateError("This request has already been answered and approved.")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "Write an answer."})
    if len(answer) > ANSWER_MAX_LENGTH:
        raise ValidationError({"answer": f"Keep it under {ANSWER_MAX_LENGTH} characters."})
    request.answer = answer
    request.answered_by = by
    request.answered_at = timezone.now()
    request.status = FeedbackRequest.Status.IN_REVIEW
    request.full_clean()
    request.save()
    audit_record(actor=by, verb="request.answered", target=request)
    return request


def check_answer(text: str):
    """Quality findings for an answer (the same check as letters, with admin phrase lists)."""
    return quality.check_text_with_db(text)


@transaction.atomic
def request_approve(
    *, request: FeedbackRequest, by, override_reason: str = "", answer: str | None = None
) -> FeedbackRequest:
    """HR approves the answer (optionally edited): it is scheduled to send now.

    Quality flags block approval unless HR gives a reason, which is audited.
    A candidate who unsubscribed is not emailed; the approved answer still
    shows on their feedback page.
    """
    request = _locked_request(request)
    if request.status != FeedbackRequest.Status.IN_REVIEW:
        raise RequestStateError("Only an answered request waiting for review can be approved.")
    if answer is not None:
        answer = answer.strip()
        if not answer:
            raise ValidationError({"answer": "The answer cannot be empty."})
        if len(answer) > ANSWER_MAX_LENGTH:
            raise ValidationError({"answer": f"Keep it under {ANSWER_MAX_LENGTH} characters."})
        if answer != request.answer:
            request.answer = answer
            audit_record(actor=by, verb="request.edited", target=request)
    override_reason = (override_reason or "").strip()
    findings = check_answer(request.answer)
    if findings and not override_reason:
        raise QualityCheckFailed(findings)
    now = timezone.now()
    request.approved_by = by
    request.override_reason = override_reason if findings else ""
    request.message_id = request.message_id or message_id("answer")
    candidate = request.letter.application.candidate
    if candidate.contactable:
        request.status = FeedbackRequest.Status.SCHEDULED
        request.send_after = now
    else:
        request.status = FeedbackRequest.Status.CANCELLED
        request.last_error = "Not emailed: the candidate unsubscribed. The answer shows on their page."
    request.full_clean()
    request.save()
    if findings:
        audit_record(
            actor=by,
            verb="request.override",
            target=request,
            reason=override_reason,
            data={"categories": sorted({f.category for f in findings})},
        )
    audit_record(actor=by, verb="request.approved", target=request)
    return request


@transaction.atomic
def request_close(*, request: FeedbackRequest, by, reason: str) -> FeedbackRequest:
    """HR closes a request without answering it (abuse, spam, handled another way). Audited."""
    request = _locked_request(request)
    if request.status not in (FeedbackRequest.Status.OPEN, FeedbackRequest.Status.IN_REVIEW):
        raise RequestStateError("Only a request that has not been approved can be closed.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    request.status = FeedbackRequest.Status.CANCELLED
    request.last_error = "Closed by HR without an answer."
    request.save(update_fields=["status", "last_error"])
    audit_record(actor=by, verb="request.closed", target=request, reason=reason)
    return request


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
