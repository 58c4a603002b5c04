"""Writes of applications: opening one at a job's first stage (by hand, by import, or as a
reapplication that links to the earlier application)."""

from django.db import IntegrityError, transaction

from core.audit import audit_record
from hiring import predicates
from hiring.models import Application, Job
from hiring.services.errors import HiringError


@transaction.atomic
def application_open(
    *, candidate, job: Job, by, source: str = Application.Source.HR, previous: Application | None = None
) -> Application:
    """Open an application at the job's first stage. One open application per candidate and job.

    ``by``: the HR user, or None for the candidate's own reapplication (``source`` ``reapply``,
    see ``predicates.can_open_application``). ``previous``: the application this one follows;
    each application is followed by at most one. Raises HiringError, with ``field`` ``job``
    where the job is the reason.
    """
    if not predicates.can_open_application(by, source=source):
        raise HiringError("Only HR can open applications.")
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
