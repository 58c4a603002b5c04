"""Reads for the candidate's pages: letters behind signed links, dates, progress, reapplying.

Every candidate page loads its letter through ``letter_from_token``, so what a
link opens is decided here (with ``letters.selectors.letter_closed_to_candidate``).
The candidate's questions are read with ``feedback.requests.selectors``.
"""

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone

from core.dates import org_tz
from feedback.letters.progress import reapply_on
from feedback.letters.selectors import letter_closed_to_candidate
from feedback.links import LinkError, read_token
from feedback.models import DeliveryStatus, FeedbackLetter, ReapplyReminder
from hiring.models import Application, Decision, Job


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
    """The letter with this public id as its candidate may see it, or LinkProblem."""
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
    closed = letter_closed_to_candidate(letter)
    if closed:
        raise LinkProblem(closed)
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


def reapply_date(letter_or_decision: FeedbackLetter | Decision) -> dt.date:
    """The first day the candidate may apply again, for a letter or a decision.

    The rule is ``feedback.letters.progress.reapply_on``; this only finds the
    decision of a letter, reusing the letter's loaded application (the same row)
    so that no query is made for it.
    """
    if not isinstance(letter_or_decision, FeedbackLetter):
        return reapply_on(decision=letter_or_decision)
    letter = letter_or_decision
    decision = letter.decision
    if decision.application_id == letter.application_id and not Decision.application.is_cached(decision):
        Decision.application.field.set_cached_value(decision, letter.application)
    return reapply_on(decision=decision)


def reapply_opens_at(letter) -> dt.datetime:
    """Midnight of the reapply date in the candidate's time zone."""
    tz = candidate_tz(letter.application.candidate)
    return dt.datetime.combine(reapply_date(letter), dt.time(0), tzinfo=tz)


def reapply_is_open(letter, now: dt.datetime | None = None) -> bool:
    """Whether the reapply form is open: from midnight of the reapply date, candidate's zone."""
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
    """The application made from this letter's reapply link, if any (one at most)."""
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
    """The reapply reminder the candidate asked for on this letter, if any."""
    return ReapplyReminder.objects.filter(application_id=letter.application_id).first()


def reminder_is_on(reminder: ReapplyReminder | None) -> bool:
    """Whether a reminder will still be sent (scheduled or being sent)."""
    return reminder is not None and reminder.status in (DeliveryStatus.SCHEDULED, DeliveryStatus.SENDING)
