"""Writes that record what an applicant tracking system (ATS) already decided, for the
integrations app (ATS webhooks in, docs/integrations.md).

Two things the ordinary services cannot do, because in Candor they follow from people's work
here: moving an application to the stage it had reached in the ATS (here only an *advance*
decision moves it), and recording a scorecard an interviewer submitted in the ATS (here only the
interviewer writes theirs). Both are HR's (the connection acts as an HR user), refused on closed
applications and erased candidates, and audited with the vendor as ``source``.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from hiring import predicates
from hiring.models import Application, Criterion, Interview, Rating, Scorecard, Stage
from hiring.services.errors import HiringError, application_closed_refusal


def _require_hr(by) -> None:
    if by is None or not predicates.can_open_application(by):
        raise HiringError("Only HR can record what the ATS decided.")


@transaction.atomic
def application_stage_set_from_ats(*, application: Application, stage: Stage, by, source: str) -> Application:
    """Put an open application at ``stage`` (of its job), as the ATS had it when it rejected them.

    ``by``: an HR user. ``source``: the vendor's name, audited. Nothing is written when the
    application is at that stage already. Raises HiringError (not HR, a stage of another job, a
    closed application or an erased candidate).
    """
    _require_hr(by)
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("candidate").get(pk=application.pk)
    )
    refusal = application_closed_refusal(application, what="a stage change")
    if refusal:
        raise HiringError(refusal)
    if stage.job_id != application.job_id:
        raise HiringError("That stage belongs to another job.", field="stage")
    if application.current_stage_id == stage.pk:
        return application
    before = application.current_stage_id
    application.current_stage = stage
    application.save(update_fields=["current_stage", "updated_at"])
    audit_record(
        actor=by,
        verb="application.stage_from_ats",
        target=application,
        data={"source": source, "from_stage": before, "to_stage": stage.pk},
    )
    return application


@transaction.atomic
def scorecard_import(
    *,
    interview: Interview,
    by,
    source: str,
    recommendation: str,
    ratings: list[dict],
    summary: str = "",
    submitted_at: dt.datetime | None = None,
) -> Scorecard | None:
    """Record, as submitted and locked, a scorecard the interview's interviewer submitted in the ATS.

    ``recommendation``: a ``Scorecard.Recommendation`` value (required: an ATS scorecard without
    one is not imported). ``ratings``: dicts {criterion (id or Criterion of the interview's
    stage), score (1-4 or None), evidence}; criteria the ATS did not rate stay unrated.
    ``submitted_at``: when the ATS says it was submitted (aware), default now. Returns the
    scorecard, or None when the interview already has a submitted one (an import is never
    repeated, and a scorecard written in Candor wins). Audits ``scorecard.import`` with
    ``source``. Raises HiringError (not HR, unknown recommendation or criterion, closed
    application, erased candidate).
    """
    _require_hr(by)
    if recommendation not in Scorecard.Recommendation.values:
        raise HiringError("An imported scorecard needs an overall recommendation.")
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .get(pk=interview.application_id)
    )
    refusal = application_closed_refusal(application, what="a scorecard")
    if refusal:
        raise HiringError(refusal)
    scorecard, _ = Scorecard.objects.get_or_create(interview=interview)
    if scorecard.locked:
        return None
    criteria = {c.pk: c for c in Criterion.objects.filter(stage_id=interview.stage_id)}
    for row in ratings:
        cid = getattr(row["criterion"], "pk", row["criterion"])
        if cid not in criteria:
            raise HiringError("A rating names a criterion of another stage.")
        score = row.get("score")
        if score is not None and score not in Rating.Score.values:
            raise HiringError("Ratings are 1 to 4.")
        Rating.objects.update_or_create(
            scorecard=scorecard,
            criterion_id=cid,
            defaults={"score": score, "evidence": (row.get("evidence") or "").strip(), "shareable_note": ""},
        )
    scorecard.recommendation = recommendation
    scorecard.summary = (summary or "").strip()
    scorecard.status = Scorecard.Status.SUBMITTED
    scorecard.submitted_at = submitted_at or timezone.now()
    scorecard.full_clean()
    scorecard.save()
    audit_record(actor=by, verb="scorecard.import", target=scorecard, data={"source": source})
    return scorecard
