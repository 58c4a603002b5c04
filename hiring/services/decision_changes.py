"""Withdrawing a decision recorded by mistake (issue #17, "fixing mistakes").

HR withdraws the application's latest standing decision while nothing has been promised to the
candidate on its strength: for a no-hire, before its letter is approved. The decision row stays
(``withdrawn_at``, ``withdrawn_by``; ``Decision.objects`` no longer returns it), the application
is back at the decision's stage and open, and the decision-withdrawn handlers of
``hiring.hooks`` run in the same transaction: feedback's cancels the drafted letter, or refuses
when the letter is approved already.
"""

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from hiring import hooks, predicates
from hiring.models import OVERRIDE_REASON_MAX_LENGTH, Application, Decision
from hiring.services.errors import HiringError


@transaction.atomic
def decision_withdraw(*, decision: Decision, by, reason: str) -> Decision:
    """Withdraw ``decision`` (advance, hire or no-hire) and reopen its application at its stage.

    ``reason``: why (required, at most 2,000 characters), kept on the audit row
    ``decision.withdraw`` (with the outcome and stage id). Only HR
    (``predicates.can_withdraw_decision``). Refused (HiringError, a sentence for a person) for a
    decision withdrawn already, one that is not the application's latest, an erased candidate,
    an application closed by something else (withdrawn by the candidate), and whatever a handler
    refuses (``hooks.WithdrawRefused``: the letter is approved or sent). Returns the decision.
    """
    if not predicates.can_withdraw_decision(by):
        raise HiringError("Only HR can withdraw a decision.")
    reason = (reason or "").strip()
    if not reason:
        raise HiringError("Say why the decision is withdrawn; it is recorded.", field="reason")
    if len(reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise HiringError(f"Keep the reason under {OVERRIDE_REASON_MAX_LENGTH:,} characters.", field="reason")
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate", "job")
        .get(pk=decision.application_id)
    )
    current = Decision.all_objects.select_for_update().select_related("stage").get(pk=decision.pk)
    if current.withdrawn_at is not None:
        raise HiringError("This decision was withdrawn already.")
    if application.candidate.erased_at is not None:
        raise HiringError("This candidate's personal data has been erased: their decisions stay as they are.")
    latest = Decision.objects.filter(application=application).order_by("-decided_at", "-id").first()
    if latest is None or latest.pk != current.pk:
        raise HiringError(
            "Only the application's latest decision can be withdrawn. Withdraw the later one first."
        )
    if current.is_final:
        if application.status == Application.Status.WITHDRAWN:
            raise HiringError("The application was withdrawn since: the decision stays.")
    elif not application.is_open:
        raise HiringError("This application is closed: the decision stays.")
    try:
        hooks.decision_withdrawn(decision=current, by=by)
    except hooks.WithdrawRefused as refusal:
        raise HiringError(refusal.message) from refusal
    now = timezone.now()
    current.withdrawn_at = now
    current.withdrawn_by = by
    current.save(update_fields=["withdrawn_at", "withdrawn_by"])
    application.status = Application.Status.ACTIVE
    application.closed_at = None
    application.current_stage = current.stage
    application.save(update_fields=["status", "closed_at", "current_stage", "updated_at"])
    audit_record(
        actor=by,
        verb="decision.withdraw",
        target=current,
        reason=reason,
        data={"outcome": current.outcome, "stage": current.stage_id, "application": application.pk},
    )
    return current
