"""The one way candidates starts work in an app above it: handlers run when a candidate's details change.

candidates sits below hiring and feedback and never imports them, yet when a candidate's time
zone changes, the reapply reminders feedback holds for them must move to the morning of the
same date in the new zone. So feedback registers its handler here, in
``FeedbackConfig.ready()`` (feedback/apps.py), beside hiring's no-hire hook. No Django
signals: the list is explicit and the call is visible in
``candidates.services.candidate_update``.

A handler is called as ``handler(candidate=candidate, changed=frozenset({"time_zone", ...}))``
inside ``candidate_update``'s transaction, after the candidate is saved; ``changed`` holds the
names of the fields whose values changed. If it raises, the exception propagates and the whole
update is rolled back. With no handler registered (candidates on its own) an update saves the
candidate and nothing more.
"""

from collections.abc import Callable

CandidateUpdatedHandler = Callable[..., object]

# Keyed by the handler's dotted name, in registration order.
_candidate_updated_handlers: dict[str, CandidateUpdatedHandler] = {}


def register_candidate_updated_handler(handler: CandidateUpdatedHandler) -> None:
    """Run ``handler(candidate=..., changed=...)`` after every change of a candidate's details.

    Registering the same function again (same module and name) replaces it, so an app whose
    ``ready()`` runs twice never gets its work done twice. A handler should look up what it
    calls at call time, so tests can replace that.
    """
    _candidate_updated_handlers[f"{handler.__module__}.{handler.__qualname__}"] = handler


def candidate_updated_handlers() -> tuple[CandidateUpdatedHandler, ...]:
    """The registered handlers, in registration order."""
    return tuple(_candidate_updated_handlers.values())


def candidate_updated(*, candidate, changed: frozenset[str]) -> None:
    """Call every registered handler with the saved ``candidate`` and the names in ``changed``.

    Exceptions are not caught: the caller's transaction rolls back.
    """
    for handler in candidate_updated_handlers():
        handler(candidate=candidate, changed=changed)
