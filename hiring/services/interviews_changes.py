"""Fixing mistakes on a panel: un-assigning an interviewer and rescheduling an interview.

Both are HR's or the job's hiring manager's (``predicates.can_change_interview``), audited
(``interview.unassign``, ``interview.reschedule``), refused on a closed application, on an
interview whose scorecard is submitted (it took place: its evidence stays) and, for un-assigning,
on a stage that is decided already. Each runs the interview-changed handlers of
``hiring.hooks`` inside its transaction: the hook point where the interviewer will be notified.
"""

import datetime as dt

from django.db import transaction

from core.audit import audit_record
from hiring import hooks, predicates
from hiring.models import Application, Decision, Interview, Scorecard
from hiring.services.errors import HiringError, application_closed_refusal
from hiring.services.interviews import scheduled_at_problem, scheduled_before_application


def _locked_interview(interview: Interview) -> tuple[Interview, Application]:
    """The interview and its application, the application row locked; HiringError if gone."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("job", "candidate")
        .get(pk=interview.application_id)
    )
    current = (
        Interview.objects.select_related("interviewer", "stage", "scorecard")
        .filter(pk=interview.pk, application=application)
        .first()
    )
    if current is None:
        raise HiringError("This interview was removed from the panel already. Reload the page.")
    return current, application


def _refuse_common(interview: Interview, application: Application, by, what: str) -> None:
    if not predicates.can_change_interview(by, application):
        raise HiringError("Only HR or the job's hiring manager can change the panel.")
    refusal = application_closed_refusal(application, what=what)
    if refusal:
        raise HiringError(refusal)
    card = getattr(interview, "scorecard", None)
    if card is not None and card.status == Scorecard.Status.SUBMITTED:
        raise HiringError(
            "This interviewer has submitted their scorecard: the interview took place, and its "
            "evidence stays on the record."
        )


@transaction.atomic
def interview_unassign(*, interview: Interview, by) -> None:
    """Take an interviewer off an application's panel (the interview row and any draft
    scorecard are deleted).

    Refused (HiringError, a sentence for a person) unless ``by`` may change the panel, for a
    closed application or an erased candidate, when the scorecard is submitted, and when the
    interview's stage has a decision. Audited as ``interview.unassign`` on the application, with
    the interviewer's user id, the stage id and whether a draft scorecard was discarded (no
    personal data). Interview-changed handlers run first with ``change="unassigned"``.
    """
    interview, application = _locked_interview(interview)
    _refuse_common(interview, application, by, "a panel change")
    if Decision.objects.filter(application=application, stage_id=interview.stage_id).exists():
        raise HiringError(
            f"“{interview.stage.name}” is decided already: its panel can no longer change. "
            "Withdraw the decision first if it was a mistake."
        )
    had_draft = getattr(interview, "scorecard", None) is not None
    hooks.interview_changed(interview=interview, change="unassigned", by=by)
    audit_record(
        actor=by,
        verb="interview.unassign",
        target=application,
        data={
            "interview": interview.pk,
            "interviewer": interview.interviewer_id,
            "stage": interview.stage_id,
            "draft_scorecard_discarded": had_draft,
        },
    )
    interview.delete()


@transaction.atomic
def interview_reschedule(*, interview: Interview, by, scheduled_at: dt.datetime | None) -> Interview:
    """Move an interview to ``scheduled_at`` (aware datetime, or None for "not scheduled").

    The time is validated as when scheduling (``scheduled_at_problem``: a year back to two years
    ahead; ``scheduled_before_application``: not before the application was opened), refused
    next to the ``scheduled_at`` field. Also refused (HiringError) unless ``by`` may change the
    panel, for a closed application, and when the scorecard is submitted. An unchanged time is
    refused too, so the audit trail holds only real changes. Audited as ``interview.reschedule``
    with the old and new times (ISO 8601, UTC). Returns the saved interview.
    """
    interview, application = _locked_interview(interview)
    _refuse_common(interview, application, by, "a new interview time")
    problem = scheduled_at_problem(scheduled_at) or scheduled_before_application(scheduled_at, application)
    if problem:
        raise HiringError(problem, field="scheduled_at")
    previous = interview.scheduled_at
    if previous == scheduled_at:
        raise HiringError("That is the interview's time already.", field="scheduled_at")
    interview.scheduled_at = scheduled_at
    interview.save(update_fields=["scheduled_at"])
    audit_record(
        actor=by,
        verb="interview.reschedule",
        target=interview,
        data={
            "from": previous.astimezone(dt.UTC).isoformat() if previous else None,
            "to": scheduled_at.astimezone(dt.UTC).isoformat() if scheduled_at else None,
        },
    )
    hooks.interview_changed(interview=interview, change="rescheduled", previous_scheduled_at=previous, by=by)
    return interview
