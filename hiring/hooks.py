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
