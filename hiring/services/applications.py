"""Writes of applications: opening one at a job's first stage (by hand, by import, as a
reapplication that links to the earlier application, and later through the API).

``application_open`` is the one door: every path that opens an application calls it, so the
reapply cool-down (``hiring.cooldowns``) and the one-open-application-per-job rule hold on all
of them."""

from django.db import IntegrityError, transaction

from core.audit import audit_record
from hiring import predicates
from hiring.cooldowns import Cooldown, active_cooldown
from hiring.models import Application, Job
from hiring.services.errors import HiringError

OVERRIDE_REASON_MAX_LENGTH = 2000


class CooldownActive(HiringError):
    """The candidate's reapply cool-down for this job has not ended. ``ends_on``: the first
    day they may apply again (a date); ``cooldown``: the ``hiring.cooldowns.Cooldown``."""

    def __init__(self, cooldown: Cooldown, *, hint: str = ""):
        message = cooldown.sentence + (f" {hint}" if hint else "")
        super().__init__(message, field="job")
        self.cooldown = cooldown
        self.ends_on = cooldown.ends_on


class AlreadyOpen(HiringError):
    """The candidate already has an open application for this job."""

    def __init__(self):
        super().__init__("This candidate already has an open application for this job.", field="job")


@transaction.atomic
def application_open(
    *,
    candidate,
    job: Job,
    by,
    source: str = Application.Source.HR,
    previous: Application | None = None,
    override_reason: str = "",
) -> Application:
    """Open an application at the job's first stage. One open application per candidate and job.

    ``by``: the HR user, or None for the candidate's own reapplication (``source`` ``reapply``,
    see ``predicates.can_open_application``). ``previous``: the application this one follows;
    each application is followed by at most one.

    The reapply cool-down (``hiring.cooldowns``): while a no-hire of this candidate for this
    job has a cool-down that has not ended (the date their letter promised, or the rule's),
    the application is refused with ``CooldownActive`` naming the date ("Rosa Rossi may apply
    again to Backend Engineer from 31 August 2026."), unless HR gives ``override_reason``
    (up to 2,000 characters), which is audited as ``application.cooldown_override`` with the
    date. A candidate reapplying cannot override.

    Raises HiringError (``field`` ``job`` where the job is the reason; ``override_reason``
    for a reason that is too long), and its subclasses CooldownActive and AlreadyOpen (an
    open application for the same job exists: duplicates are refused on every path).
    """
    if not predicates.can_open_application(by, source=source):
        raise HiringError("Only HR can open applications.")
    override_reason = (override_reason or "").strip()
    if len(override_reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise HiringError(
            f"Keep the reason under {OVERRIDE_REASON_MAX_LENGTH} characters.", field="override_reason"
        )
    if job.status != Job.Status.OPEN:
        raise HiringError(f"“{job.title}” is not open for applications.", field="job")
    first = job.stages.order_by("position").first()
    if first is None:
        raise HiringError(f"“{job.title}” has no stages yet. Add its pipeline first.", field="job")
    # Lock the candidate so two clicks cannot open two applications.
    candidate = type(candidate).objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        raise HiringError("This candidate's personal data has been erased: no new application can name them.")
    if Application.objects.filter(candidate=candidate, job=job, status=Application.Status.ACTIVE).exists():
        raise AlreadyOpen()
    cooldown = active_cooldown(candidate=candidate, job=job)
    if cooldown is not None:
        if source == Application.Source.REAPPLY or by is None:
            raise CooldownActive(cooldown)
        if not override_reason:
            raise CooldownActive(
                cooldown, hint="To open it anyway, give a reason (it is recorded in the audit trail)."
            )
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
    if cooldown is not None:
        audit_record(
            actor=by,
            verb="application.cooldown_override",
            target=application,
            reason=override_reason,
            data={"cooldown_ends_on": cooldown.ends_on.isoformat(), "source": source},
        )
    return application
