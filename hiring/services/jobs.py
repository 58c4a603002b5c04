"""Writes of jobs and their pipelines: stages in order, and each stage's criteria.

Only those who manage jobs (``predicates.can_manage_jobs``: HR) write them. Every service is
keyword-only, validates, runs in one transaction and refuses with a ``HiringError``.
"""

from django.db import transaction
from django.db.models import F, Max

from core.audit import audit_record
from hiring import hooks, predicates
from hiring.cooldowns import cooldown_rule_date
from hiring.models import (
    Application,
    Criterion,
    Decision,
    FeedbackPoint,
    Interview,
    Job,
    Rating,
    Stage,
)
from hiring.services.errors import HiringError

# Stages are renumbered in two phases (first out of the way, then into place) so the
# unique (job, position) constraint never sees two rows on one position.
_POSITION_OFFSET = 10000

JOB_FIELDS = (
    "title",
    "team",
    "description",
    "status",
    "hiring_manager",
    "reapply_cooldown_days",
    "feedback_deadline_days",
)


def _require_job_manager(by, what: str) -> None:
    if not predicates.can_manage_jobs(by):
        raise HiringError(f"Only HR can {what}.")


# --- Jobs ---------------------------------------------------------------------------------------


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
    """A new job, without stages yet. ``reapply_cooldown_days``: calendar days before a
    rejected candidate may reapply; ``feedback_deadline_days``: business days to send the
    letter. Raises HiringError (not HR) or ValidationError (a field's value)."""
    _require_job_manager(by, "create jobs")
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
    """Change any of ``JOB_FIELDS`` (TypeError for others); audits the names of those changed.

    A new ``reapply_cooldown_days`` (calendar days) applies to letters not yet approved:
    an approved letter keeps the reapply date it gives (``hiring.cooldowns``; feedback
    stores it). The returned job's ``notices`` (a list of sentences for HR, maybe empty)
    says so when such letters exist: "2 letters already approved keep their reapply
    dates. The new cool-down of 365 days applies to letters not yet approved." Raises
    HiringError (not HR) or ValidationError.
    """
    _require_job_manager(by, "edit jobs")
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
    job.notices = []
    if "reapply_cooldown_days" in changed:
        kept = _letters_keeping_reapply_dates(job)
        if kept:
            job.notices.append(_cooldown_notice(kept, job.reapply_cooldown_days))
    return job


def _letters_keeping_reapply_dates(job: Job) -> int:
    """How many of the job's no-hires have an approved letter whose promised reapply date
    differs from what the job's (new) cool-down gives. Two queries."""
    decisions = list(
        Decision.objects.filter(application__job=job, outcome=Decision.Outcome.NO_HIRE).select_related(
            "application__job"
        )
    )
    promised = hooks.promised_reapply_dates(decision_ids=[d.pk for d in decisions])
    return sum(
        1
        for decision in decisions
        if decision.pk in promised and promised[decision.pk] != cooldown_rule_date(decision=decision)
    )


def _cooldown_notice(kept: int, days: int) -> str:
    if kept == 1:
        return (
            "1 letter already approved keeps its reapply date. "
            f"The new cool-down of {days} days applies to letters not yet approved."
        )
    return (
        f"{kept} letters already approved keep their reapply dates. "
        f"The new cool-down of {days} days applies to letters not yet approved."
    )


# --- Stages -------------------------------------------------------------------------------------


def _lock_job(job: Job) -> Job:
    return Job.objects.select_for_update().get(pk=job.pk)


def _renumber_stages(job: Job, ordered_ids: list[int]) -> None:
    Stage.objects.filter(job=job).update(position=F("position") + _POSITION_OFFSET)
    for position, pk in enumerate(ordered_ids):
        Stage.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def stage_add(*, job: Job, by, name: str, interviews_planned: int = 1) -> Stage:
    """Add a stage at the end of the job's pipeline."""
    _require_job_manager(by, "edit pipelines")
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
    _require_job_manager(by, "edit pipelines")
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    stage.name = name.strip()
    stage.interviews_planned = interviews_planned
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_move(*, stage: Stage, by, direction: int) -> Stage:
    """Move a stage one place earlier (direction -1) or later (+1); at either end, nothing moves."""
    _require_job_manager(by, "edit pipelines")
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
    """Remove a stage nothing refers to yet (HiringError otherwise); the rest close ranks."""
    _require_job_manager(by, "edit pipelines")
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


# --- Criteria -----------------------------------------------------------------------------------


@transaction.atomic
def criterion_add(*, stage: Stage, by, name: str, guidance: str = "") -> Criterion:
    """Add a criterion at the end of the stage's list."""
    _require_job_manager(by, "edit pipelines")
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
    _require_job_manager(by, "edit pipelines")
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    criterion.name = name.strip()
    criterion.guidance = guidance.strip()
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_move(*, criterion: Criterion, by, direction: int) -> Criterion:
    """Move a criterion one place earlier (direction -1) or later (+1) within its stage."""
    _require_job_manager(by, "edit pipelines")
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
    """Remove a criterion nobody has rated or named in feedback (HiringError otherwise)."""
    _require_job_manager(by, "edit pipelines")
    if (
        Rating.objects.filter(criterion=criterion).exists()
        or FeedbackPoint.objects.filter(criterion=criterion).exists()
    ):
        raise HiringError(
            f"“{criterion.name}” has been rated or used in feedback, so it cannot be removed. "
            "Rename it instead."
        )
    criterion.delete()
