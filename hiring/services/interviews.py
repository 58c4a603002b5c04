"""Writes of interviews: putting interviewers on an application's panel, stage by stage."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.audit import audit_record
from core.dates import org_tz
from hiring import predicates
from hiring.models import OVERRIDE_REASON_MAX_LENGTH, Application, Interview, Stage
from hiring.services.errors import HiringError, application_closed_refusal

# When an interview may be scheduled: from a year ago (recording one that took place) to two
# years ahead. Anything else is a typing slip (0001-01-01, 9999), refused next to the field.
SCHEDULE_PAST = dt.timedelta(days=365)
SCHEDULE_AHEAD = dt.timedelta(days=730)


def scheduled_at_problem(scheduled_at: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """Why ``scheduled_at`` (aware) is not a time an interview can have, as a sentence, or "".

    The window is ``now - SCHEDULE_PAST`` to ``now + SCHEDULE_AHEAD`` (365 and 730 days);
    None (not scheduled) is fine."""
    if scheduled_at is None:
        return ""
    now = now or timezone.now()
    earliest, latest = now - SCHEDULE_PAST, now + SCHEDULE_AHEAD
    if earliest <= scheduled_at <= latest:
        return ""
    first, last = (date_format(timezone.localtime(when), "j F Y") for when in (earliest, latest))
    return (
        f"Choose a time between {first} and {last}: interviews are scheduled at most a year back "
        "and two years ahead."
    )


def scheduled_before_application(scheduled_at: dt.datetime | None, application: Application) -> str:
    """Why ``scheduled_at`` (aware) is too early for ``application``, as a sentence, or "".

    An interview cannot take place before its application was opened (``created_at``); the
    date in the sentence is the opening day in the organisation's time zone. None is fine."""
    if scheduled_at is None or scheduled_at >= application.created_at:
        return ""
    opened = date_format(timezone.localtime(application.created_at, org_tz()), "j F Y")
    return f"The application was opened on {opened}: the interview cannot be earlier."


class PanelConflict(HiringError):
    """The interviewer interviewed this candidate before; HR may override with a reason."""


def _earlier_interview(application: Application, interviewer) -> Interview | None:
    return (
        Interview.objects.filter(application__candidate_id=application.candidate_id, interviewer=interviewer)
        .exclude(application=application)
        .select_related("application__job", "stage")
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def interview_assign(
    *,
    application: Application,
    stage: Stage,
    interviewer,
    by,
    scheduled_at: dt.datetime | None = None,
    override_reason: str = "",
) -> Interview:
    """Put an interviewer on one of a stage's interviews.

    Someone who interviewed this candidate in an earlier application is refused (a
    reapplication gets a fresh panel, ``PanelConflict``) unless HR gives a written reason,
    which is stored on the interview and audited as ``interview.panel_override``.
    ``scheduled_at``: aware datetime within ``scheduled_at_problem``'s window (a year back, two
    years ahead), or None for "not scheduled". ``override_reason``: at most
    ``OVERRIDE_REASON_MAX_LENGTH`` (2,000) characters. Refused for a closed application and for
    an erased candidate. Raises HiringError, with ``field`` naming the form field at fault.
    Nor may ``scheduled_at`` be before the application was opened (``scheduled_before_application``).
    """
    if not predicates.can_assign_interviewers(by):
        raise HiringError("Only HR can assign interviewers.")
    problem = scheduled_at_problem(scheduled_at)
    if problem:
        raise HiringError(problem, field="scheduled_at")
    override_reason = (override_reason or "").strip()
    if len(override_reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise HiringError(
            f"Keep the reason under {OVERRIDE_REASON_MAX_LENGTH:,} characters.", field="override_reason"
        )
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("job", "candidate")
        .get(pk=application.pk)
    )
    if application.candidate.erased_at is not None:
        raise HiringError(application_closed_refusal(application, what="an interview"))
    if not application.is_open:
        raise HiringError("This application is closed; no more interviews can be assigned.")
    before_opened = scheduled_before_application(scheduled_at, application)
    if before_opened:
        raise HiringError(before_opened, field="scheduled_at")
    if stage.job_id != application.job_id:
        raise HiringError("That stage belongs to another job.", field="stage")
    if not predicates.can_interview(interviewer):
        raise HiringError("Only interviewers and hiring managers can interview.", field="interviewer")
    if Interview.objects.filter(application=application, stage=stage, interviewer=interviewer).exists():
        raise HiringError(
            f"{interviewer.get_full_name() or interviewer.get_username()} is already on this stage's panel.",
            field="interviewer",
        )
    earlier = _earlier_interview(application, interviewer)
    if earlier is not None and not override_reason:
        name = interviewer.get_full_name() or interviewer.get_username()
        raise PanelConflict(
            f"{name} interviewed this candidate before ({earlier.stage.name}, "
            f"{earlier.application.job.title}, {earlier.created_at:%d %b %Y}). A returning candidate "
            "meets a fresh panel. Choose someone else, or give a reason to assign them anyway; "
            "the reason is recorded.",
            field="interviewer",
        )
    interview = Interview(
        application=application,
        stage=stage,
        interviewer=interviewer,
        scheduled_at=scheduled_at,
        panel_override_reason=override_reason if earlier is not None else "",
    )
    interview.full_clean()
    try:
        with transaction.atomic():
            interview.save()
    except IntegrityError as exc:
        raise HiringError("This interviewer was just assigned by someone else.", field="interviewer") from exc
    audit_record(actor=by, verb="interview.assign", target=interview)
    if earlier is not None:
        audit_record(
            actor=by,
            verb="interview.panel_override",
            target=interview,
            reason=override_reason,
            data={"earlier_application": earlier.application_id},
        )
    return interview


def interviews_erase_override_reasons(*, candidate, replacement: str = "(erased)") -> int:
    """Erasure: the panel override reasons written on ``candidate``'s interviews become ``replacement``.

    The reason an earlier interviewer was put on the panel anyway is written about the
    candidate (and often names them); that an override happened stays visible. Call inside
    the erasure's transaction. Returns the number of interviews changed.
    """
    return (
        Interview.objects.filter(application__candidate=candidate)
        .exclude(panel_override_reason="")
        .update(panel_override_reason=replacement)
    )
