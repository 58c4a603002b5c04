"""Reads for the candidate's pages: letters behind signed links, dates, progress, reapplying.

Every candidate page loads its letter through ``letter_from_token``, so what a
link opens is decided here (with ``letters.selectors.letter_closed_to_candidate``).
The candidate's questions are read with ``feedback.requests.selectors``.
"""

import datetime as dt
import re
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone

from core.dates import end_of_local_day, org_tz
from feedback.letters.emails import letter_text_without_footer
from feedback.letters.progress import letter_reapply_on, reapply_date_is_fixed, reapply_on
from feedback.letters.selectors import letter_closed_to_candidate, letter_on_page_only
from feedback.links import LinkError, read_token_signed_at
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


def letter_from_token(purpose: str, token: str, *, now: dt.datetime | None = None) -> FeedbackLetter:
    """The letter a candidate link names, or LinkProblem.

    ``purpose``: "letter", "unsubscribe" or "reapply" (``feedback.links.PURPOSES``).
    A link works until ``link_expires_at`` (at least ``CANDOR_LINK_MAX_AGE_DAYS`` after it
    was made, and at least ``CANDOR_LINK_GRACE_DAYS`` after the reapply date it points to);
    an unsubscribe link never expires: unsubscribing is always safe to honour, so any
    validly signed unsubscribe token works, however old its letter. A link older than
    ``CANDOR_LINK_MAX_AGE_DAYS`` whose letter cannot be opened says "expired", as it did
    before the letter's own limit was read.
    """
    try:
        public_id, signed_at = read_token_signed_at(purpose, token)
    except LinkError as exc:
        raise LinkProblem(exc.reason) from exc
    now = now or timezone.now()
    if purpose == "unsubscribe" or now - signed_at <= dt.timedelta(days=settings.CANDOR_LINK_MAX_AGE_DAYS):
        return letter_for_candidate(public_id)
    try:
        letter = letter_for_candidate(public_id)
    except LinkProblem as exc:
        raise LinkProblem("expired") from exc
    if now > link_expires_at(letter, signed_at=signed_at):
        raise LinkProblem("expired")
    return letter


def link_expires_at(letter: FeedbackLetter, *, signed_at: dt.datetime) -> dt.datetime:
    """When a link to ``letter`` signed at ``signed_at`` (aware) stops working (aware datetime).

    The later of: ``CANDOR_LINK_MAX_AGE_DAYS`` days after it was signed, and the end of the
    day ``CANDOR_LINK_GRACE_DAYS`` days after the letter's reapply date (``reapply_date``) in
    the candidate's time zone. So the letter's page, its ``.ics`` and its reapply link all
    work on the reapply date and for the grace period after it, whatever the cool-down
    (up to 3,650 days): in effect a per-letter
    ``max(CANDOR_LINK_MAX_AGE_DAYS, days until the reapply date + CANDOR_LINK_GRACE_DAYS)``.
    Unsubscribe links do not expire (``letter_from_token``).
    """
    by_age = signed_at + dt.timedelta(days=settings.CANDOR_LINK_MAX_AGE_DAYS)
    last_day = reapply_date(letter) + dt.timedelta(days=settings.CANDOR_LINK_GRACE_DAYS)
    by_reapply_date = end_of_local_day(last_day, tz=candidate_tz(letter.application.candidate))
    return max(by_age, by_reapply_date)


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


# The letter's text ------------------------------------------------------------

# Words of a letter that only make sense in its email, and what the page says instead. The
# default template (``feedback.placeholders.DEFAULT_TEXT``, and the earlier wording of migrations
# 0002 and 0006) sends the candidate to "the link at the end of this email": on the page there is
# no such link (the footer is not shown), and a letter not emailed (``letter_on_page_only``) has
# no email at all. Quotes straight or curly; the first letter's case is kept.
EMAIL_ONLY_WORDING = (
    (
        re.compile(
            r"\b([Oo])pen your feedback page from the link at the end of this email and choose "
            r"([\"“])Ask for more detail([\"”])"
        ),
        lambda m: f"{'U' if m[1] == 'O' else 'u'}se {m[2]}Ask for more detail{m[3]} below",
    ),
)


def letter_page_text(letter: FeedbackLetter) -> str:
    """The letter as its page shows it: the text sent without the email's footer of links
    (``letters.emails.letter_text_without_footer``), or the approved body when it was never
    emailed, with the email-only words of ``EMAIL_ONLY_WORDING`` put as the page says them.
    The stored texts are not changed."""
    text = letter_text_without_footer(letter.sent_text) if letter.sent_text else letter.body
    for pattern, replacement in EMAIL_ONLY_WORDING:
        text = pattern.sub(replacement, text)
    return text


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

    For a letter, the date it gives (``feedback.letters.progress.letter_reapply_on``):
    fixed when it was approved, so a later change of the job's cool-down does not move
    it; before approval, the current cool-down's. For a decision, the rule
    (``reapply_on``). The page, the ``.ics``, the reminder (due time and text), the
    reapply form and the links' lifetime all read it here. Reuses the letter's loaded
    application (the same row) so that no query is made for it.
    """
    if not isinstance(letter_or_decision, FeedbackLetter):
        return reapply_on(decision=letter_or_decision)
    letter = letter_or_decision
    if reapply_date_is_fixed(letter):
        return letter.reapply_on
    decision = letter.decision
    if decision.application_id == letter.application_id and not Decision.application.is_cached(decision):
        Decision.application.field.set_cached_value(decision, letter.application)
    return letter_reapply_on(letter)


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


# Emails ----------------------------------------------------------------------


def reminders_pending(candidate) -> int:
    """How many reapply reminders the candidate asked for that are still to be sent."""
    return ReapplyReminder.objects.filter(candidate=candidate, status=DeliveryStatus.SCHEDULED).count()


def other_letters(letter) -> list[dict]:
    """The candidate's other letters they may open, newest first, so that every page leads to all.

    A letter not emailed because they unsubscribed (``letter_on_page_only``) is reachable
    only this way. Each item: {"letter", "job_title", "date" (sent or approved, aware datetime),
    "emailed" (bool)}. One query.
    """
    rows = (
        FeedbackLetter.objects.filter(application__candidate_id=letter.application.candidate_id)
        .exclude(pk=letter.pk)
        .select_related("application__candidate", "application__job")
        # Only links are shown: none of the texts.
        .defer("body", "sent_text", "sent_html", "last_error")
        .order_by("-created_at", "-id")
    )
    return [
        {
            "letter": row,
            "job_title": row.application.job.title,
            "date": row.sent_at or row.approved_at or row.created_at,
            "emailed": not letter_on_page_only(row),
        }
        for row in rows
        if letter_closed_to_candidate(row) is None
    ]
