"""Reads for the candidate's side: letters behind signed links, dates, progress, requests.

Every candidate page loads its letter through ``letter_from_token`` and every
staff page about requests loads them through the ``requests_*`` selectors, so
who may see what is decided here.
"""

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core import roles
from core.dates import org_tz
from feedback.links import LinkError, read_token
from feedback.models import DeliveryStatus, FeedbackLetter, FeedbackRequest, ReapplyReminder
from hiring.models import Application, Job

# Letters a candidate may open. A letter in "sending" may already be in their
# inbox (the SMTP hand-off happens before the row is marked sent).
CANDIDATE_VISIBLE = (FeedbackLetter.Status.SENT, FeedbackLetter.Status.SENDING)


class LinkProblem(Exception):
    """Why a candidate link does not open anything.

    ``reason`` is one of: "invalid" (tampered, truncated or made for another
    purpose), "expired", "not_sent" (the letter has not gone out), "erased".
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def letter_from_token(purpose: str, token: str) -> FeedbackLetter:
    """The letter a candidate link names, or LinkProblem."""
    try:
        public_id = read_token(purpose, token)
    except LinkError as exc:
        raise LinkProblem(exc.reason) from exc
    return letter_for_candidate(public_id)


def letter_for_candidate(public_id: uuid.UUID) -> FeedbackLetter:
    letter = (
        FeedbackLetter.objects.select_related(
            "application__candidate",
            "application__job",
            "decision__stage",
            "decision__decided_by",
            "rating",
        )
        # The HTML copy of the email is not shown on any candidate page.
        .defer("sent_html")
        .filter(public_id=public_id)
        .first()
    )
    if letter is None:
        raise LinkProblem("invalid")
    if letter.application.candidate.erased:
        raise LinkProblem("erased")
    if letter.status not in CANDIDATE_VISIBLE:
        raise LinkProblem("not_sent")
    return letter


# Dates ---------------------------------------------------------------------


def candidate_tz(candidate) -> zoneinfo.ZoneInfo:
    """The candidate's time zone where known, else the organisation's."""
    if candidate.time_zone:
        try:
            return zoneinfo.ZoneInfo(candidate.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return org_tz()


def reapply_date(letter_or_decision) -> dt.date:
    """The first day the candidate may apply again: decision day + the job's cool-down."""
    if isinstance(letter_or_decision, FeedbackLetter):
        decision, job = letter_or_decision.decision, letter_or_decision.application.job
    else:
        decision, job = letter_or_decision, letter_or_decision.application.job
    decided_on = decision.decided_at.astimezone(org_tz()).date()
    return decided_on + dt.timedelta(days=job.reapply_cooldown_days)


def reapply_opens_at(letter) -> dt.datetime:
    """Midnight of the reapply date in the candidate's time zone."""
    tz = candidate_tz(letter.application.candidate)
    return dt.datetime.combine(reapply_date(letter), dt.time(0), tzinfo=tz)


def reapply_is_open(letter, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= reapply_opens_at(letter)


def reminder_due_at(letter) -> dt.datetime:
    """The reapply date at the morning send hour, in the candidate's time zone."""
    tz = candidate_tz(letter.application.candidate)
    return dt.datetime.combine(reapply_date(letter), dt.time(settings.CANDOR_SEND_HOUR), tzinfo=tz)


# Progress ------------------------------------------------------------------


def progress(letter) -> list[dict]:
    """Each stage of the job, in order, with how far the candidate got.

    state: "passed" (every stage before the one of the no-hire: the candidate
    could only reach it through them), "last" (the stage of the no-hire) or
    "not_reached". For a last stage of several interviews, ``done``/``planned``
    count interviews with a submitted scorecard against those the stage plans.
    """
    application = letter.application
    last = letter.decision.stage
    rows = []
    for stage in application.job.stages.all():
        if stage.position < last.position:
            rows.append({"name": stage.name, "state": "passed"})
        elif stage.pk == last.pk:
            row = {"name": stage.name, "state": "last"}
            if stage.interviews_planned > 1:
                done = application.interviews.filter(stage=stage, scorecard__status="submitted").count()
                row["done"] = min(done, stage.interviews_planned)
                row["planned"] = stage.interviews_planned
            rows.append(row)
        else:
            rows.append({"name": stage.name, "state": "not_reached"})
    return rows


# Reapplying ----------------------------------------------------------------


def existing_reapplication(letter) -> Application | None:
    return Application.objects.filter(previous_id=letter.application_id).first()


def reapply_jobs(letter) -> list[Job]:
    """Where the candidate can reapply: the same job if open, else the team's open jobs."""
    job = letter.application.job
    if job.status == Job.Status.OPEN:
        return [job]
    if not job.team:
        return []
    return list(Job.objects.filter(status=Job.Status.OPEN, team=job.team).order_by("title", "id"))


def reminder_for(letter) -> ReapplyReminder | None:
    return ReapplyReminder.objects.filter(application_id=letter.application_id).first()


def reminder_is_on(reminder: ReapplyReminder | None) -> bool:
    return reminder is not None and reminder.status in (DeliveryStatus.SCHEDULED, DeliveryStatus.SENDING)


def candidate_requests(letter) -> QuerySet[FeedbackRequest]:
    return FeedbackRequest.objects.filter(letter=letter).order_by("asked_at", "id")


# Requests for more detail (staff) -------------------------------------------


def _requests() -> QuerySet[FeedbackRequest]:
    return FeedbackRequest.objects.select_related(
        "letter__application__candidate",
        "letter__application__job",
        "letter__decision__decided_by",
        "letter__decision__stage",
        "answered_by",
        "approved_by",
    )


def requests_routed_to(user) -> QuerySet[FeedbackRequest]:
    """Requests the user answers: they made the decision, or they manage the job."""
    if not user.is_authenticated:
        return FeedbackRequest.objects.none()
    return _requests().filter(
        Q(letter__decision__decided_by=user) | Q(letter__application__job__hiring_manager=user)
    )


def request_to_answer(user, pk: int) -> FeedbackRequest:
    """A request the user may answer (404 otherwise). HR may open any, to read it."""
    queryset = _requests() if roles.is_hr(user) else requests_routed_to(user)
    request = queryset.filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def requests_for_review(*, status: str | None = None) -> QuerySet[FeedbackRequest]:
    """HR's list: waiting for review first, then the rest by deadline."""
    queryset = _requests()
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("deadline", "id")


def request_for_hr(pk: int) -> FeedbackRequest:
    request = _requests().filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


# Privacy (HR) ----------------------------------------------------------------


def candidate_for_hr(user, pk: int):
    """Any candidate, for HR only (404 otherwise)."""
    from candidates.models import Candidate

    if not roles.is_hr(user):
        raise Http404
    candidate = Candidate.objects.filter(pk=pk).first()
    if candidate is None:
        raise Http404
    return candidate


def candidates_matching(user, query: str, *, limit: int = 50):
    from candidates.models import Candidate

    query = (query or "").strip()
    if not roles.is_hr(user) or len(query) < 2:
        return Candidate.objects.none()
    return Candidate.objects.filter(Q(email__icontains=query) | Q(name__icontains=query)).order_by(
        "name", "id"
    )[:limit]
