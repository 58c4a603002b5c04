"""Personal data: export everything about a candidate, erase it, and erase after retention.

Erasure anonymises in place rather than deleting rows, so that counts and
statuses (funnels, response times, ratings) stay true while nothing left
identifies the person or repeats what was said about them.

``by`` is the HR user acting (``selectors.can_manage_personal_data``), or None
for the system (the retention job; an export made for a test). Any other user
gets ``PermissionDenied``.
"""

import datetime as dt
import json
import re
from importlib import import_module

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from candidates.models import Candidate
from candidates.views import SEARCH_KEY as CANDIDATE_SEARCH_KEY
from core.audit import audit_record, audit_scrub
from core.events import emit_event
from core.masking import mask_candidate_links
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
from hiring.models import Application, Decision, FeedbackPoint, Interview, Rating, Scorecard
from hiring.services.interviews import interviews_erase_override_reasons
from outbox.models import Deliverable

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
            # Staff download this export: no working candidate link in it (core.masking).
            "text": mask_candidate_links(letter.sent_text or letter.body),
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


def _sent_copies() -> dict:
    """{field: empty value} for every copy of a sent message a row of the outbox keeps.

    Read from ``outbox.models.Deliverable`` itself, so a copy the engine starts keeping later
    (the raw bytes, the envelope) is emptied too: every text, JSON and binary field but the
    Message-ID (which names the row, not the person). ``last_error`` is one of them: a mail
    server's refusal quotes the address.
    """
    empty = {}
    for field in Deliverable._meta.get_fields():
        if field.name == "message_id":
            continue
        if isinstance(field, models.CharField | models.TextField):
            empty[field.name] = ""
        elif isinstance(field, models.JSONField | models.BinaryField):
            empty[field.name] = None if field.null else field.get_default()
    return empty


_SENT_FIELDS = _sent_copies()


class Mentions:
    """Whether a text names one candidate: their name, email or phone (case-insensitive).

    ``strict`` (the default) matches only what identifies them on its own: the full name,
    the email, the phone number (also written with other spacing or punctuation), for text
    about anyone (the admin's log, staff sessions). Not strict also matches their preferred
    name, each word of their names of three letters or more and the email's local part: for
    text already known to be about them (audit rows of their own records), where "Rosa asked
    by phone" names them too.
    """

    def __init__(self, candidate: Candidate, *, strict: bool = True):
        words = {candidate.name, candidate.email, candidate.phone}
        if not strict:
            names = [candidate.name, getattr(candidate, "preferred_name", "")]
            words |= {names[1]}
            parts = (part for name in names for part in re.split(r"[\s,.'’-]+", name or ""))
            words |= {part for part in parts if len(part) >= 3}
            local = (candidate.email or "").split("@")[0]
            if len(local) >= 3:
                words.add(local)
        self.words = sorted({w.strip().casefold() for w in words if (w or "").strip()}, key=len, reverse=True)
        digits = re.sub(r"\D", "", candidate.phone or "")
        self.phone_digits = digits if len(digits) >= 6 else ""

    def __call__(self, text) -> bool:
        if not isinstance(text, str) or not text:
            return False
        folded = text.casefold()
        if any(word in folded for word in self.words):
            return True
        return bool(self.phone_digits) and self.phone_digits in re.sub(r"\D", "", text)

    def found_by(self, query) -> bool:
        """Whether a search for ``query`` would find them (a part of their name or email), or names them."""
        if not isinstance(query, str) or len(query.strip()) < 2:
            return self(query)
        needle = query.strip().casefold()
        return self(query) or any(needle in word for word in self.words)


def _related_targets(candidate: Candidate) -> dict[str, list[int]]:
    """{model label: [pk]} of the candidate and every record about them that the audit trail names."""
    apps_q = Application.objects.filter(candidate=candidate)
    targets = {
        Candidate: [candidate.pk],
        Application: apps_q.values_list("pk", flat=True),
        Interview: Interview.objects.filter(application__candidate=candidate).values_list("pk", flat=True),
        Scorecard: Scorecard.objects.filter(interview__application__candidate=candidate).values_list(
            "pk", flat=True
        ),
        # all_objects: a withdrawn decision's audit rows (its reason) are about the candidate too.
        Decision: Decision.all_objects.filter(application__candidate=candidate).values_list("pk", flat=True),
        FeedbackLetter: FeedbackLetter.objects.filter(application__candidate=candidate).values_list(
            "pk", flat=True
        ),
        FeedbackRequest: FeedbackRequest.objects.filter(letter__application__candidate=candidate).values_list(
            "pk", flat=True
        ),
        ReapplyReminder: ReapplyReminder.objects.filter(candidate=candidate).values_list("pk", flat=True),
    }
    return {model._meta.label_lower: list(pks) for model, pks in targets.items()}


def _admin_log_scrub(candidate: Candidate, targets: dict[str, list[int]], mentions: Mentions) -> int:
    """The admin's own log (``django.contrib.admin`` LogEntry): entries about the candidate's records,
    and any entry whose text names them, say "(erased)" instead. The table holds only the Admin
    role's edits, so it is read by text."""
    about = Q(pk__in=[])
    for label, pks in targets.items():
        app_label, model_name = label.split(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
        if pks and content_type is not None:
            about |= Q(content_type=content_type, object_id__in=[str(pk) for pk in pks])
    naming = Q(pk__in=[])
    for word in mentions.words:
        naming |= Q(object_repr__icontains=word) | Q(change_message__icontains=word)
    entries = list(LogEntry.objects.filter(about | naming).only("id", "object_repr", "change_message"))
    for entry in entries:
        entry.object_repr = ERASED_TEXT
        entry.change_message = ERASED_TEXT
    LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"])
    return len(entries)


def _sessions_scrub(mentions: Mentions) -> int:
    """Staff sessions: a saved search that finds the candidate, or any value naming them, is removed.

    Works for the session engines that keep sessions in the database (``db``, ``cached_db``;
    the cached copy is dropped too). Signed-cookie sessions live in browsers: nothing to reach.
    Returns the number of sessions changed.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    model = store_class.get_model_class()
    changed = 0
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        store = store_class(session_key=session.session_key)
        data = store.decode(session.session_data)
        keep = {
            key: value
            for key, value in data.items()
            if not (
                (key == CANDIDATE_SEARCH_KEY and mentions.found_by(value))
                or mentions(json.dumps(value, ensure_ascii=False, default=str))
            )
        }
        if len(keep) == len(data):
            continue
        model.objects.filter(pk=session.pk).update(session_data=store.encode(keep))
        if hasattr(store, "cache_key"):
            caches[settings.SESSION_CACHE_ALIAS].delete(store.cache_key)
        changed += 1
    return changed


@transaction.atomic
def candidate_erase(*, candidate: Candidate, by, reason: str = "") -> Candidate:
    """Anonymise a candidate everywhere, close their open applications, cancel everything pending.

    Idempotent. Kept: the rows, their statuses and dates, scores and ratings, so counts
    and funnels stay true. Gone: name, email, phone, time zone, every letter, question,
    answer, comment and note written to or about them; the reasons written about them
    (letter and answer overrides, panel overrides); what the audit trail, the admin's log and
    staff sessions (a saved candidate search) say that names them. Open applications are
    withdrawn, so nothing new can be recorded about them (``hiring.services.errors``).
    ``by`` None is the retention job. Raises PermissionDenied unless ``by`` is HR or None.
    """
    _require_hr_or_system(by, "erase")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    now = timezone.now()
    # Read before the name goes: what text about them looks like.
    mentions = Mentions(candidate)
    loose = Mentions(candidate, strict=False)
    letters = FeedbackLetter.objects.filter(application__candidate=candidate)
    requests = FeedbackRequest.objects.filter(letter__application__candidate=candidate)
    reminders = ReapplyReminder.objects.filter(candidate=candidate)
    counts = {
        "applications": Application.objects.filter(candidate=candidate).count(),
        "applications_withdrawn": Application.objects.filter(
            candidate=candidate, status=Application.Status.ACTIVE
        ).update(status=Application.Status.WITHDRAWN, closed_at=now, updated_at=now),
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
    letters.update(
        subject=ERASED_TEXT,
        body="",
        check_key="",
        check_blocking=None,
        check_advisory=None,
        check_not_checked="",
        override_reason="",
        **_SENT_FIELDS,
    )
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
    interviews_erase_override_reasons(candidate=candidate, replacement=ERASED_TEXT)
    # The audit trail keeps who did what and when; what it says about them goes. Rows about
    # the candidate themselves may carry their details anywhere in ``data``.
    AuditEvent.objects.filter(target_type=candidate._meta.label_lower, target_id=candidate.pk).update(data={})
    if candidate.erased_at is None:  # a second erasure has no name left to look for
        targets = _related_targets(candidate)
        counts["audit_rows_scrubbed"] = audit_scrub(targets=targets, mentions=loose, replacement=ERASED_TEXT)
        counts["admin_log_entries_scrubbed"] = _admin_log_scrub(candidate, targets, mentions)
        counts["sessions_scrubbed"] = _sessions_scrub(mentions)
        reason = ERASED_TEXT if loose(reason) else reason

    candidate.name = ERASED_NAME
    if hasattr(candidate, "preferred_name"):
        candidate.preferred_name = ""
    candidate.email = f"erased-{candidate.pk}@erased.invalid"
    candidate.phone = ""
    candidate.time_zone = ""
    candidate.consent_given_at = None
    candidate.unsubscribed_at = candidate.unsubscribed_at or now
    candidate.erased_at = candidate.erased_at or now
    candidate.save()
    audit_record(actor=by, verb="candidate.erased", target=candidate, reason=reason, data=counts)
    # Events out (core/events.py; docs/events.md): the id and the time, nothing erased.
    emit_event(
        "candidate.erased", {"candidate_id": candidate.pk, "erased_at": candidate.erased_at.isoformat()}
    )
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
