"""The one way hiring starts work in an app above it: handlers run when a no-hire is recorded.

hiring sits below feedback and never imports it, yet a no-hire must draft the candidate's
feedback letter in the same transaction as the decision. So feedback registers its handler
here, in ``FeedbackConfig.ready()`` (feedback/apps.py): that is the one registration point, and
the only one there should be. No Django signals: the list is explicit and the call is visible in
``hiring.services.decisions.decision_record``.

A handler is called as ``handler(decision=decision)`` inside ``decision_record``'s transaction,
after the decision, its feedback points and the closed application are saved. If it raises,
the exception propagates and the whole decision is rolled back. With no handler registered
(hiring on its own) a no-hire records the decision and nothing more.
"""

from collections.abc import Callable

NoHireHandler = Callable[..., object]

# Keyed by the handler's dotted name, in registration order.
_no_hire_handlers: dict[str, NoHireHandler] = {}


def register_no_hire_handler(handler: NoHireHandler) -> None:
    """Run ``handler(decision=...)`` for every no-hire, inside the decision's transaction.

    Registering the same function again (same module and name) replaces it, so an app whose
    ``ready()`` runs twice never gets its work done twice. A handler should look up what it
    calls at call time, so tests can replace that.
    """
    _no_hire_handlers[f"{handler.__module__}.{handler.__qualname__}"] = handler


def no_hire_handlers() -> tuple[NoHireHandler, ...]:
    """The registered handlers, in registration order."""
    return tuple(_no_hire_handlers.values())


def no_hire_recorded(*, decision) -> None:
    """Call every registered no-hire handler with ``decision`` (a saved ``Decision``).

    Exceptions are not caught: the caller's transaction rolls back.
    """
    for handler in no_hire_handlers():
        handler(decision=decision)


# --- Promised reapply dates -------------------------------------------------------------------
# The second way hiring reads from above: the cool-down (hiring.cooldowns) must honour the
# reapply date a candidate's letter promised when it was approved, a date feedback stores.
# feedback registers one source in FeedbackConfig.ready(); without one (hiring on its own),
# every cool-down follows the rule in hiring.cooldowns.

ReapplyDateSource = Callable[..., dict]

_reapply_date_sources: dict[str, ReapplyDateSource] = {}


def register_reapply_date_source(source: ReapplyDateSource) -> None:
    """Ask ``source(decision_ids=[...])`` for the reapply dates already promised to candidates.

    ``source`` returns ``{decision id: datetime.date}`` for those of the given no-hire decisions
    whose date is fixed (their letter was approved); others are left out. Registering the same
    function again replaces it.
    """
    _reapply_date_sources[f"{source.__module__}.{source.__qualname__}"] = source


def reapply_date_sources() -> tuple[ReapplyDateSource, ...]:
    """The registered sources, in registration order."""
    return tuple(_reapply_date_sources.values())


def promised_reapply_dates(*, decision_ids) -> dict:
    """``{decision id: date}`` promised for these decisions, from every registered source."""
    decision_ids = list(decision_ids)
    dates: dict = {}
    if not decision_ids:
        return dates
    for source in reapply_date_sources():
        dates.update(source(decision_ids=decision_ids))
    return dates


# --- Interviews changed, decisions withdrawn ---------------------------------------------------
# Fixing mistakes (issue #17): HR un-assigns an interviewer, reschedules an interview, or
# withdraws a decision recorded by mistake. Apps above hiring may want to act: notify the
# interviewer (a future notifications app), cancel the letter a withdrawn no-hire drafted
# (feedback, in FeedbackConfig.ready()). Same rules as the no-hire hook: handlers run inside the
# service's transaction and an exception undoes the change.

InterviewChangedHandler = Callable[..., object]
DecisionWithdrawnHandler = Callable[..., object]

_interview_changed_handlers: dict[str, InterviewChangedHandler] = {}
_decision_withdrawn_handlers: dict[str, DecisionWithdrawnHandler] = {}


class WithdrawRefused(Exception):  # noqa: N818 - a refusal, worded for a person
    """Raised by a decision-withdrawn handler to refuse the withdrawal with a sentence for a person
    (e.g. "The letter is approved already"); the hiring service shows it and rolls back."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def register_interview_changed_handler(handler: InterviewChangedHandler) -> None:
    """Run ``handler(interview=..., change=..., previous_scheduled_at=..., by=...)`` when an
    interview is un-assigned or rescheduled (``hiring.services.interviews_changes``).

    ``change``: "unassigned" (called before the row is deleted, so ``interview`` is still whole)
    or "rescheduled" (``interview.scheduled_at`` is the new aware time or None,
    ``previous_scheduled_at`` the old one). The hook point for notifying the interviewer.
    Registering the same function again replaces it.
    """
    _interview_changed_handlers[f"{handler.__module__}.{handler.__qualname__}"] = handler


def interview_changed_handlers() -> tuple[InterviewChangedHandler, ...]:
    """The registered handlers, in registration order."""
    return tuple(_interview_changed_handlers.values())


def interview_changed(*, interview, change: str, previous_scheduled_at=None, by=None) -> None:
    """Call every interview-changed handler; exceptions roll the caller's transaction back."""
    for handler in interview_changed_handlers():
        handler(interview=interview, change=change, previous_scheduled_at=previous_scheduled_at, by=by)


def register_decision_withdrawn_handler(handler: DecisionWithdrawnHandler) -> None:
    """Run ``handler(decision=..., by=...)`` when HR withdraws a decision, inside the withdrawal's
    transaction, before the decision is marked withdrawn. A handler refuses by raising
    ``WithdrawRefused``; any other exception propagates. Registering again replaces it."""
    _decision_withdrawn_handlers[f"{handler.__module__}.{handler.__qualname__}"] = handler


def decision_withdrawn_handlers() -> tuple[DecisionWithdrawnHandler, ...]:
    """The registered handlers, in registration order."""
    return tuple(_decision_withdrawn_handlers.values())


def decision_withdrawn(*, decision, by) -> None:
    """Call every decision-withdrawn handler (``WithdrawRefused`` and others propagate)."""
    for handler in decision_withdrawn_handlers():
        handler(decision=decision, by=by)
