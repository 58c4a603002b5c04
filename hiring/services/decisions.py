"""Writes of decisions: advance, hire or no-hire for an application's current stage, with the
feedback points a no-hire gives the candidate."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from hiring import hooks, predicates
from hiring.models import Application, Criterion, Decision, FeedbackPoint, Stage
from hiring.services.errors import HiringError, application_closed_refusal


class DecisionError(HiringError):
    def __init__(self, message: str, *, field: str | None = None, point_errors: dict | None = None):
        super().__init__(message, field=field)
        # {index of the point in the list given: {field: message}}
        self.point_errors = point_errors or {}


def _points_clean(application: Application, points: list[dict]) -> list[FeedbackPoint]:
    allowed = {
        c.pk: c
        for c in Criterion.objects.filter(
            stage__job_id=application.job_id, stage__position__lte=application.current_stage.position
        )
    }
    errors: dict[int, dict[str, str]] = {}
    cleaned = []
    for index, point in enumerate(points):
        criterion = point.get("criterion")
        cid = getattr(criterion, "pk", criterion)
        observation = (point.get("observation") or "").strip()
        suggestion = (point.get("suggestion") or "").strip()
        row = {}
        if cid not in allowed:
            row["criterion"] = "Choose the criterion this point is about."
        if not observation:
            row["observation"] = "Say what the candidate said or did."
        if not suggestion:
            row["suggestion"] = "Say what would have been stronger."
        if row:
            errors[index] = row
            continue
        cleaned.append(
            FeedbackPoint(
                criterion=allowed[cid], observation=observation, suggestion=suggestion, position=index
            )
        )
    if errors:
        raise DecisionError("Some feedback points are incomplete.", field="points", point_errors=errors)
    return cleaned


@transaction.atomic
def decision_record(
    *, application: Application, stage: Stage, outcome: str, decided_by, points: list[dict]
) -> Decision:
    """Record advance / hire / no-hire for the application's current stage.

    ``outcome``: a ``Decision.Outcome`` value. ``points``: for a no-hire, at least one dict
    {criterion (id or Criterion of a stage reached so far), observation, suggestion}; empty
    otherwise. Only who ``predicates.can_decide`` decides: an interviewer of the current stage
    or the job's hiring manager (HR too only if they are one of those).

    A no-hire closes the application and runs the no-hire handlers (``hiring.hooks``; feedback's
    drafts the letter) in the same transaction: if one fails, nothing is recorded. Refused for a
    closed application and for an erased candidate (``application_closed_refusal``). Raises
    DecisionError (``field`` and ``point_errors`` say where).
    """
    application = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to current_stage.
        Application.objects.select_for_update(of=("self",))
        .select_related("job", "current_stage", "candidate")
        .get(pk=application.pk)
    )
    if application.candidate.erased_at is not None:
        raise DecisionError(application_closed_refusal(application, what="a decision"))
    if not application.is_open:
        raise DecisionError(
            f"This application is already closed ({application.get_status_display()}); "
            "no further decision can be recorded."
        )
    if Decision.objects.filter(application=application, outcome__in=Decision.FINAL).exists():
        raise DecisionError("A final decision has already been recorded for this application.")
    if application.current_stage_id is None or stage.pk != application.current_stage_id:
        raise DecisionError(
            "Decisions are recorded for the application's current stage. Reload the page to see it."
        )
    if Decision.objects.filter(application=application, stage=stage).exists():
        raise DecisionError(f"A decision for “{stage.name}” has already been recorded.")
    if not predicates.can_decide(decided_by, application):
        raise DecisionError(
            "Only an interviewer of this stage or the job's hiring manager can record the decision."
        )
    if outcome not in Decision.Outcome.values:
        raise DecisionError("Choose advance, hire or no hire.", field="outcome")
    following = (
        Stage.objects.filter(job_id=application.job_id, position__gt=stage.position)
        .order_by("position")
        .first()
    )
    if outcome == Decision.Outcome.ADVANCE and following is None:
        raise DecisionError("This is the last stage: choose hire or no hire.", field="outcome")
    feedback_points: list[FeedbackPoint] = []
    if outcome == Decision.Outcome.NO_HIRE:
        if not points:
            raise DecisionError(
                "A no-hire needs at least one feedback point: the criterion, what the candidate said "
                "or did, and what would have been stronger.",
                field="points",
            )
        feedback_points = _points_clean(application, points)
    elif points:
        raise DecisionError("Feedback points belong to a no-hire decision.", field="points")

    now = timezone.now()
    decision = Decision(
        application=application, stage=stage, outcome=outcome, decided_by=decided_by, decided_at=now
    )
    try:
        decision.full_clean(validate_constraints=False)
        with transaction.atomic():
            decision.save()
    except IntegrityError as exc:
        # The constraints are the last line of defence against two people deciding at once.
        raise DecisionError("Someone recorded a decision on this application at the same moment.") from exc
    for point in feedback_points:
        point.decision = decision
        point.full_clean()
    FeedbackPoint.objects.bulk_create(feedback_points)

    if outcome == Decision.Outcome.ADVANCE:
        application.current_stage = following
    elif outcome == Decision.Outcome.HIRE:
        application.status = Application.Status.HIRED
        application.closed_at = now
    else:
        application.status = Application.Status.REJECTED
        application.closed_at = now
    application.save(update_fields=["current_stage", "status", "closed_at", "updated_at"])
    audit_record(
        actor=decided_by,
        verb="decision.record",
        target=decision,
        data={"outcome": outcome, "points": len(feedback_points)},
    )
    if outcome == Decision.Outcome.NO_HIRE:
        # Inside this transaction: a handler's failure undoes the decision (feedback drafts the letter).
        hooks.no_hire_recorded(decision=decision)
    return decision
