"""Writes of the hiring app: jobs and pipelines, applications, panels, scorecards, decisions.

Every service is keyword-only, validates, runs in one transaction and refuses a wrong state
with a HiringError whose message is meant for the person who tried.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from core import roles
from core.audit import audit_record
from hiring.models import (
    Application,
    Criterion,
    Decision,
    FeedbackPoint,
    Interview,
    Job,
    Rating,
    Scorecard,
    Stage,
)

# Stages are renumbered in two phases (first out of the way, then into place) so the
# unique (job, position) constraint never sees two rows on one position.
_POSITION_OFFSET = 10000


class HiringError(Exception):
    """A refusal. ``field`` names the form field the message belongs next to, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PanelConflict(HiringError):
    """The interviewer interviewed this candidate before; HR may override with a reason."""


class ScorecardError(HiringError):
    def __init__(self, message: str, *, errors: dict | None = None):
        super().__init__(message)
        # {(criterion_id, field): message} and {"recommendation": message}
        self.errors = errors or {}


class DecisionError(HiringError):
    def __init__(self, message: str, *, field: str | None = None, point_errors: dict | None = None):
        super().__init__(message, field=field)
        # {index of the point in the list given: {field: message}}
        self.point_errors = point_errors or {}


def _require_hr(by, what: str) -> None:
    if not roles.is_hr(by):
        raise HiringError(f"Only HR can {what}.")


# --- Jobs and pipelines ---------------------------------------------------------------------

JOB_FIELDS = (
    "title",
    "team",
    "description",
    "status",
    "hiring_manager",
    "reapply_cooldown_days",
    "feedback_deadline_days",
)


@transaction.atomic
def job_create(
    *,
    by,
    title: str,
    team: str = "",
    description: str = "",
    status: str = Job.Status.OPEN,
    hiring_manager=None,
    reapply_cooldown_days: int = 182,
    feedback_deadline_days: int = 5,
) -> Job:
    _require_hr(by, "create jobs")
    job = Job(
        title=title.strip(),
        team=team.strip(),
        description=description,
        status=status,
        hiring_manager=hiring_manager,
        reapply_cooldown_days=reapply_cooldown_days,
        feedback_deadline_days=feedback_deadline_days,
    )
    job.full_clean()
    job.save()
    audit_record(actor=by, verb="job.create", target=job)
    return job


@transaction.atomic
def job_update(*, job: Job, by, **fields) -> Job:
    _require_hr(by, "edit jobs")
    unknown = set(fields) - set(JOB_FIELDS)
    if unknown:
        raise TypeError(f"job_update() got unexpected fields: {sorted(unknown)}")
    job = Job.objects.select_for_update().get(pk=job.pk)
    changed = {}
    for name, value in fields.items():
        if isinstance(value, str) and name in ("title", "team"):
            value = value.strip()
        if getattr(job, name) != value:
            changed[name] = str(value)
            setattr(job, name, value)
    job.full_clean()
    job.save()
    if changed:
        audit_record(actor=by, verb="job.update", target=job, data={"fields": sorted(changed)})
    return job


def _lock_job(job: Job) -> Job:
    return Job.objects.select_for_update().get(pk=job.pk)


def _renumber_stages(job: Job, ordered_ids: list[int]) -> None:
    Stage.objects.filter(job=job).update(position=F("position") + _POSITION_OFFSET)
    for position, pk in enumerate(ordered_ids):
        Stage.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def stage_add(*, job: Job, by, name: str, interviews_planned: int = 1) -> Stage:
    _require_hr(by, "edit pipelines")
    job = _lock_job(job)
    # Renumber first so positions are 0..n-1 and the new stage goes last.
    ids = list(Stage.objects.filter(job=job).order_by("position").values_list("pk", flat=True))
    _renumber_stages(job, ids)
    stage = Stage(job=job, name=name.strip(), position=len(ids), interviews_planned=interviews_planned)
    stage.full_clean()
    stage.save()
    audit_record(actor=by, verb="stage.add", target=job, data={"stage": stage.pk})
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, by, name: str, interviews_planned: int) -> Stage:
    _require_hr(by, "edit pipelines")
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    stage.name = name.strip()
    stage.interviews_planned = interviews_planned
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_move(*, stage: Stage, by, direction: int) -> Stage:
    """Move a stage one place earlier (direction -1) or later (+1)."""
    _require_hr(by, "edit pipelines")
    if direction not in (-1, 1):
        raise HiringError("A stage moves one place up or down.")
    job = _lock_job(stage.job)
    ids = list(Stage.objects.filter(job=job).order_by("position").values_list("pk", flat=True))
    index = ids.index(stage.pk)
    target = index + direction
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        _renumber_stages(job, ids)
        audit_record(actor=by, verb="stage.move", target=job, data={"stage": stage.pk, "to": target})
    stage.refresh_from_db()
    return stage


@transaction.atomic
def stage_remove(*, stage: Stage, by) -> None:
    _require_hr(by, "edit pipelines")
    job = _lock_job(stage.job)
    in_use = (
        Interview.objects.filter(stage=stage).exists()
        or Decision.objects.filter(stage=stage).exists()
        or Application.objects.filter(current_stage=stage).exists()
        or Rating.objects.filter(criterion__stage=stage).exists()
        or FeedbackPoint.objects.filter(criterion__stage=stage).exists()
    )
    if in_use:
        raise HiringError(
            f"“{stage.name}” has interviews or decisions, so it cannot be removed. "
            "Rename it or move it instead."
        )
    name = stage.name
    stage.delete()
    ids = list(Stage.objects.filter(job=job).order_by("position").values_list("pk", flat=True))
    _renumber_stages(job, ids)
    audit_record(actor=by, verb="stage.remove", target=job, data={"stage": name})


@transaction.atomic
def criterion_add(*, stage: Stage, by, name: str, guidance: str = "") -> Criterion:
    _require_hr(by, "edit pipelines")
    Stage.objects.select_for_update().get(pk=stage.pk)
    last = stage.criteria.aggregate(m=Max("position"))["m"]
    criterion = Criterion(
        stage=stage, name=name.strip(), guidance=guidance.strip(), position=0 if last is None else last + 1
    )
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_update(*, criterion: Criterion, by, name: str, guidance: str = "") -> Criterion:
    _require_hr(by, "edit pipelines")
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    criterion.name = name.strip()
    criterion.guidance = guidance.strip()
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_move(*, criterion: Criterion, by, direction: int) -> Criterion:
    _require_hr(by, "edit pipelines")
    if direction not in (-1, 1):
        raise HiringError("A criterion moves one place up or down.")
    Stage.objects.select_for_update().get(pk=criterion.stage_id)
    ids = list(
        Criterion.objects.filter(stage_id=criterion.stage_id)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    index = ids.index(criterion.pk)
    target = index + direction
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        for position, pk in enumerate(ids):
            Criterion.objects.filter(pk=pk).update(position=position)
    criterion.refresh_from_db()
    return criterion


@transaction.atomic
def criterion_remove(*, criterion: Criterion, by) -> None:
    _require_hr(by, "edit pipelines")
    if (
        Rating.objects.filter(criterion=criterion).exists()
        or FeedbackPoint.objects.filter(criterion=criterion).exists()
    ):
        raise HiringError(
            f"“{criterion.name}” has been rated or used in feedback, so it cannot be removed. "
            "Rename it instead."
        )
    criterion.delete()


# --- Applications and panels ----------------------------------------------------------------


@transaction.atomic
def application_open(
    *, candidate, job: Job, by, source: str = Application.Source.HR, previous: Application | None = None
) -> Application:
    """Open an application at the job's first stage. One open application per candidate and job."""
    if job.status != Job.Status.OPEN:
        raise HiringError(f"“{job.title}” is not open for applications.", field="job")
    first = job.stages.order_by("position").first()
    if first is None:
        raise HiringError(f"“{job.title}” has no stages yet. Add its pipeline first.", field="job")
    # Lock the candidate so two clicks cannot open two applications.
    type(candidate).objects.select_for_update().get(pk=candidate.pk)
    if Application.objects.filter(candidate=candidate, job=job, status=Application.Status.ACTIVE).exists():
        raise HiringError("This candidate already has an open application for this job.", field="job")
    application = Application(
        candidate=candidate, job=job, current_stage=first, source=source, previous=previous
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        # one_reapplication_per_application: a reapply link used twice.
        raise HiringError("An application following this one already exists.") from exc
    audit_record(actor=by, verb="application.open", target=application)
    return application


def _earlier_interview(application: Application, interviewer):
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
    reapplication gets a fresh panel) unless HR gives a written reason, which is stored on
    the interview and audited as ``interview.panel_override``.
    """
    _require_hr(by, "assign interviewers")
    application = Application.objects.select_for_update().select_related("job").get(pk=application.pk)
    if not application.is_open:
        raise HiringError("This application is closed; no more interviews can be assigned.")
    if stage.job_id != application.job_id:
        raise HiringError("That stage belongs to another job.", field="stage")
    if not interviewer.is_active or not (
        {roles.INTERVIEWER, roles.HIRING_MANAGER} & roles.role_names(interviewer)
    ):
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


# --- Scorecards -----------------------------------------------------------------------------


@transaction.atomic
def scorecard_save(
    *,
    interview: Interview,
    by,
    ratings: list[dict],
    recommendation: str = "",
    summary: str = "",
    submit: bool = False,
) -> Scorecard:
    """Save a draft scorecard, or submit it (then it is locked).

    ``ratings``: dicts {criterion (id or Criterion), score (1-4 or None), evidence, shareable_note}.
    Submitting needs a score and evidence for every criterion of the stage, and a recommendation.
    """
    if by.pk != interview.interviewer_id:
        raise ScorecardError("Only the interviewer writes their scorecard.")
    Interview.objects.select_for_update().get(pk=interview.pk)
    scorecard, _ = Scorecard.objects.get_or_create(interview=interview)
    if scorecard.locked:
        raise ScorecardError(
            f"This scorecard was submitted on {scorecard.submitted_at:%d %b %Y at %H:%M} and is locked."
        )
    criteria = {c.pk: c for c in Criterion.objects.filter(stage_id=interview.stage_id)}
    given = {}
    for row in ratings:
        cid = getattr(row["criterion"], "pk", row["criterion"])
        if cid not in criteria:
            raise ScorecardError("A rating names a criterion of another stage.")
        given[cid] = row
    errors = {}
    for cid, row in given.items():
        score = row.get("score")
        if score not in (None, "") and int(score) not in Rating.Score.values:
            errors[(cid, "score")] = "Choose a rating from 1 to 4."
    if recommendation and recommendation not in Scorecard.Recommendation.values:
        errors["recommendation"] = "Choose one of the recommendations."
    if submit:
        for cid in criteria:
            row = given.get(cid, {})
            if row.get("score") in (None, ""):
                errors.setdefault((cid, "score"), "Rate this criterion before submitting.")
            if not (row.get("evidence") or "").strip():
                errors[(cid, "evidence")] = "Say what the candidate said or did."
        if not recommendation:
            errors["recommendation"] = "Choose an overall recommendation before submitting."
    if errors:
        raise ScorecardError("Some answers need attention; see the marked fields.", errors=errors)
    for cid, row in given.items():
        score = row.get("score")
        Rating.objects.update_or_create(
            scorecard=scorecard,
            criterion_id=cid,
            defaults={
                "score": int(score) if score not in (None, "") else None,
                "evidence": (row.get("evidence") or "").strip(),
                "shareable_note": (row.get("shareable_note") or "").strip(),
            },
        )
    scorecard.recommendation = recommendation
    scorecard.summary = summary.strip()
    if submit:
        scorecard.status = Scorecard.Status.SUBMITTED
        scorecard.submitted_at = timezone.now()
    scorecard.full_clean()
    scorecard.save()
    if submit:
        audit_record(actor=by, verb="scorecard.submit", target=scorecard)
    return scorecard


# --- Decisions ------------------------------------------------------------------------------


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

    A no-hire needs at least one complete feedback point, closes the application and drafts
    the feedback letter in the same transaction. Only an interviewer of the current stage or
    the job's hiring manager decides (HR too only if they are one of those).
    """
    application = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to current_stage.
        Application.objects.select_for_update(of=("self",))
        .select_related("job", "current_stage", "candidate")
        .get(pk=application.pk)
    )
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
    is_manager = application.job.hiring_manager_id == decided_by.pk
    is_panel = Interview.objects.filter(application=application, stage=stage, interviewer=decided_by).exists()
    if not (is_manager or is_panel):
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
        from feedback.letters.services import letter_draft

        letter_draft(decision=decision)
    return decision
