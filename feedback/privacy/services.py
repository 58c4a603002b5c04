"""Personal data: export everything about a candidate, erase it, and erase after retention.

Erasure anonymises in place rather than deleting rows, so that counts and
statuses (funnels, response times, ratings) stay true while nothing left
identifies the person or repeats what was said about them.

``by`` is the HR user acting (``selectors.can_manage_personal_data``), or None
for the system (the retention job; an export made for a test). Any other user
gets ``PermissionDenied``.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from candidates.models import Candidate
from core.audit import audit_record
from core.models import AuditEvent
from feedback.models import (
    CandidateRating,
    DeliveryStatus,
    FeedbackLetter,
    FeedbackRequest,
    ReapplyAnswer,
    ReapplyReminder,
)
from feedback.privacy.selectors import can_manage_personal_data
from hiring.models import Application, FeedbackPoint, Rating, Scorecard

ERASED_NAME = "Erased candidate"
ERASED_TEXT = "(erased)"


def _iso(value):
    return value.isoformat() if value else None


def _require_hr_or_system(by, what: str) -> None:
    if by is not None and not can_manage_personal_data(by):
        raise PermissionDenied(f"Only HR can {what} a candidate's data.")


@transaction.atomic
def candidate_export(*, candidate: Candidate, by=None) -> dict:
    """Everything Candor holds about a candidate, as JSON-serialisable data (a dict).

    Audited when ``by`` is given. Raises PermissionDenied unless ``by`` is HR or None.
    """
    _require_hr_or_system(by, "export")
    applications = (
        Application.objects.filter(candidate=candidate)
        .select_related("job", "current_stage", "previous")
        .prefetch_related(
            "decisions__stage",
            "decisions__points__criterion",
            "interviews__stage",
            "interviews__scorecard__ratings__criterion",
            "reapply_answers",
        )
        .order_by("created_at", "id")
    )
    letters = {
        letter.application_id: letter
        for letter in FeedbackLetter.objects.filter(application__candidate=candidate).prefetch_related(
            "requests"
        )
    }
    ratings = {
        r.letter_id: r for r in CandidateRating.objects.filter(letter__application__candidate=candidate)
    }
    reminders = {r.application_id: r for r in ReapplyReminder.objects.filter(candidate=candidate)}

    def interview_data(interview):
        data = {"stage": interview.stage.name, "scheduled_at": _iso(interview.scheduled_at)}
        scorecard = getattr(interview, "scorecard", None)
        if scorecard is not None:
            data["scorecard"] = {
                "status": scorecard.status,
                "recommendation": scorecard.recommendation,
                "summary": scorecard.summary,
                "ratings": [
                    {
                        "criterion": rating.criterion.name,
                        "score": rating.score,
                        "evidence": rating.evidence,
                        "shareable_note": rating.shareable_note,
                    }
                    for rating in scorecard.ratings.all()
                ],
            }
        return data

    def letter_data(letter):
        if letter is None:
            return None
        rating = ratings.get(letter.pk)
        return {
            "status": letter.status,
            "subject": letter.sent_subject or letter.subject,
            "text": letter.sent_text or letter.body,
            "sent_at": _iso(letter.sent_at),
            "rating": {"score": rating.score, "comment": rating.comment} if rating else None,
            "requests": [
                {
                    "question": req.question,
                    "asked_at": _iso(req.asked_at),
                    "status": req.status,
                    "answer": req.answer if req.approved_by_id else "",
                    "sent_at": _iso(req.sent_at),
                }
                for req in letter.requests.all()
            ],
        }

    def reminder_data(reminder):
        if reminder is None:
            return None
        return {
            "status": reminder.status,
            "opted_in_at": _iso(reminder.opted_in_at),
            "due": _iso(reminder.send_after),
            "sent_at": _iso(reminder.sent_at),
        }

    data = {
        "exported_at": _iso(timezone.now()),
        "organisation": settings.CANDOR_ORG_NAME,
        "candidate": {
            "name": candidate.name,
            "email": candidate.email,
            "phone": candidate.phone,
            "time_zone": candidate.time_zone,
            "consent_given_at": _iso(candidate.consent_given_at),
            "unsubscribed_at": _iso(candidate.unsubscribed_at),
            "erased_at": _iso(candidate.erased_at),
            "last_activity_at": _iso(candidate.last_activity_at),
            "created_at": _iso(candidate.created_at),
        },
        "applications": [
            {
                "job": app.job.title,
                "team": app.job.team,
                "status": app.status,
                "source": app.source,
                "current_stage": app.current_stage.name if app.current_stage else None,
                "reapplication_of": app.previous.job.title if app.previous else None,
                "created_at": _iso(app.created_at),
                "closed_at": _iso(app.closed_at),
                "interviews": [interview_data(i) for i in app.interviews.all()],
                "decisions": [
                    {
                        "stage": d.stage.name,
                        "outcome": d.outcome,
                        "decided_at": _iso(d.decided_at),
                        "feedback_points": [
                            {
                                "criterion": p.criterion.name,
                                "observation": p.observation,
                                "suggestion": p.suggestion,
                            }
                            for p in d.points.all()
                        ],
                    }
                    for d in app.decisions.all()
                ],
                "letter": letter_data(letters.get(app.pk)),
                "reapply_reminder": reminder_data(reminders.get(app.pk)),
                "reapply_answers": [a.text for a in app.reapply_answers.all()],
            }
            for app in applications
        ],
    }
    if by is not None:
        audit_record(actor=by, verb="candidate.exported", target=candidate)
    return data


# Statuses that mean "still going to happen": erasure cancels them.
_PENDING_LETTER = (
    FeedbackLetter.Status.DRAFT,
    FeedbackLetter.Status.IN_REVIEW,
    FeedbackLetter.Status.SCHEDULED,
    FeedbackLetter.Status.FAILED,
)
_PENDING_REQUEST = (
    FeedbackRequest.Status.OPEN,
    FeedbackRequest.Status.IN_REVIEW,
    FeedbackRequest.Status.SCHEDULED,
    FeedbackRequest.Status.FAILED,
)
_PENDING_REMINDER = (DeliveryStatus.SCHEDULED, DeliveryStatus.FAILED)
_SENT_FIELDS = {"sent_subject": "", "sent_text": "", "sent_html": "", "last_error": ""}


@transaction.atomic
def candidate_erase(*, candidate: Candidate, by, reason: str = "") -> Candidate:
    """Anonymise a candidate everywhere and cancel everything pending (idempotent).

    Kept: the rows, their statuses and dates, scores and ratings, so counts
    and funnels stay true. Gone: name, email, phone, time zone, every letter,
    question, answer, comment and note written to or about them. ``by`` None is
    the retention job. Raises PermissionDenied unless ``by`` is HR or None.
    """
    _require_hr_or_system(by, "erase")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    now = timezone.now()
    letters = FeedbackLetter.objects.filter(application__candidate=candidate)
    requests = FeedbackRequest.objects.filter(letter__application__candidate=candidate)
    reminders = ReapplyReminder.objects.filter(candidate=candidate)
    counts = {
        "applications": Application.objects.filter(candidate=candidate).count(),
        "letters_cancelled": letters.filter(status__in=_PENDING_LETTER).update(
            status=FeedbackLetter.Status.CANCELLED, claimed_until=None
        ),
        "requests_cancelled": requests.filter(status__in=_PENDING_REQUEST).update(
            status=FeedbackRequest.Status.CANCELLED, claimed_until=None
        ),
        "reminders_cancelled": reminders.filter(status__in=_PENDING_REMINDER).update(
            status=DeliveryStatus.CANCELLED, claimed_until=None
        ),
    }
    letters.update(subject=ERASED_TEXT, body="", findings_count=None, **_SENT_FIELDS)
    requests.update(question="", answer="", override_reason="", **_SENT_FIELDS)
    reminders.update(**_SENT_FIELDS)
    CandidateRating.objects.filter(letter__application__candidate=candidate).update(comment="")
    ReapplyAnswer.objects.filter(application__candidate=candidate).update(text="")
    # What interviewers wrote about them: the scores stay, the words go.
    FeedbackPoint.objects.filter(decision__application__candidate=candidate).update(
        observation=ERASED_TEXT, suggestion=ERASED_TEXT
    )
    Rating.objects.filter(scorecard__interview__application__candidate=candidate).update(
        evidence="", shareable_note=""
    )
    Scorecard.objects.filter(interview__application__candidate=candidate).update(summary="")
    # Audit entries about the candidate may carry their details in ``data``.
    AuditEvent.objects.filter(target_type=candidate._meta.label_lower, target_id=candidate.pk).update(data={})

    candidate.name = ERASED_NAME
    candidate.email = f"erased-{candidate.pk}@erased.invalid"
    candidate.phone = ""
    candidate.time_zone = ""
    candidate.consent_given_at = None
    candidate.unsubscribed_at = candidate.unsubscribed_at or now
    candidate.erased_at = candidate.erased_at or now
    candidate.save()
    audit_record(actor=by, verb="candidate.erased", target=candidate, reason=reason, data=counts)
    return candidate


def candidates_due_for_erasure(*, now: dt.datetime | None = None):
    """Inactive past CANDOR_RETENTION_DAYS, not erased, nothing in progress.

    Kept for now: candidates with an open application, and those waiting for a
    reminder they asked for (until it is sent).
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.CANDOR_RETENTION_DAYS)
    pending_reminder = ReapplyReminder.objects.filter(
        candidate=OuterRef("pk"), status__in=(DeliveryStatus.SCHEDULED, DeliveryStatus.SENDING)
    )
    open_application = Application.objects.filter(candidate=OuterRef("pk"), status=Application.Status.ACTIVE)
    return (
        Candidate.objects.filter(erased_at__isnull=True, last_activity_at__lt=cutoff)
        .exclude(Exists(pending_reminder))
        .exclude(Exists(open_application))
    )


def candidates_erase_expired(*, now: dt.datetime | None = None) -> int:
    """The daily retention job: erase each expired candidate in its own transaction."""
    erased = 0
    for pk in list(candidates_due_for_erasure(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            candidate = candidates_due_for_erasure(now=now).select_for_update().filter(pk=pk).first()
            if candidate is None:  # they acted, or someone else erased them, meanwhile
                continue
            candidate_erase(candidate=candidate, by=None, reason="retention period ended")
            erased += 1
    return erased
