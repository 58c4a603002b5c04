"""Writes of scorecards: an interviewer's draft, then their submission (which locks it)."""

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from hiring import predicates
from hiring.models import Application, Criterion, Interview, Rating, Scorecard
from hiring.services.errors import HiringError, application_closed_refusal


class ScorecardError(HiringError):
    def __init__(self, message: str, *, errors: dict | None = None):
        super().__init__(message)
        # {(criterion_id, field): message} and {"recommendation": message}
        self.errors = errors or {}


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
    Only the interviewer writes it (``predicates.can_write_scorecard``), and only while the
    application is open and its candidate not erased (``application_closed_refusal``). Raises
    ScorecardError, whose ``errors`` map (criterion id, field) or "recommendation" to a message.
    """
    if not predicates.can_write_scorecard(by, interview):
        raise ScorecardError("Only the interviewer writes their scorecard.")
    # The application first (the order decision_record and interview_assign lock in): an erasure
    # or a decision closing it at this moment waits for us, or we see it closed.
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .get(pk=interview.application_id)
    )
    refusal = application_closed_refusal(application, what="a scorecard")
    if refusal:
        raise ScorecardError(refusal)
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
