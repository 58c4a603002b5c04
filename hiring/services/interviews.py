"""Writes of interviews: putting interviewers on an application's panel, stage by stage."""

import datetime as dt

from django.db import IntegrityError, transaction

from core.audit import audit_record
from hiring import predicates
from hiring.models import Application, Interview, Stage
from hiring.services.errors import HiringError, application_closed_refusal


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
    ``scheduled_at``: aware datetime, or None for "not scheduled". Refused for a closed
    application and for an erased candidate. Raises HiringError, with ``field`` naming the form
    field at fault.
    """
    if not predicates.can_assign_interviewers(by):
        raise HiringError("Only HR can assign interviewers.")
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("job", "candidate")
        .get(pk=application.pk)
    )
    if application.candidate.erased_at is not None:
        raise HiringError(application_closed_refusal(application, what="an interview"))
    if not application.is_open:
        raise HiringError("This application is closed; no more interviews can be assigned.")
    if stage.job_id != application.job_id:
        raise HiringError("That stage belongs to another job.", field="stage")
    if not predicates.can_interview(interviewer):
        raise HiringError("Only interviewers and hiring managers can interview.", field="interviewer")
    if Interview.objects.filter(application=application, stage=stage, interviewer=interviewer).exists():
        raise HiringError(
            f"{interviewer.get_full_name() or interviewer.get_username()} is already on this stage's panel.",
            field="interviewer",
        )
    override_reason = override_reason.strip()
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
