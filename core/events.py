"""Domain events: a small hook registry for "something happened" notices (events out).

Lower apps announce what they know (the outbox: a letter was sent or failed; feedback:
a request was created or answered, a candidate erased); a higher app (``events``)
registers one listener in its ``AppConfig.ready()`` and turns each event into signed
webhook deliveries. No Django signals (docs/architecture.md).

Listeners run synchronously, inside the caller's transaction: a delivery row is
created with the change it reports, or rolled back with it.

Payloads are small JSON-able dicts of ids, public ids, states and times: never names,
email addresses or free text (docs/events.md lists each event's fields).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# (fn(name, payloads), wants(name) -> bool), filled by AppConfig.ready() of higher apps.
_LISTENERS: list[tuple[Callable, Callable | None]] = []


def register_event_listener(
    fn: Callable[[str, list[dict]], None], *, wants: Callable[[str], bool] | None = None
) -> None:
    """Register ``fn(name, payloads)``, called for every emitted event (a list of payloads per call).

    ``wants(name) -> bool``: optional cheap test run before payloads are built, so
    that emitters skip the work when nobody listens for ``name``. Registering the same
    ``fn`` again replaces the earlier entry (reloads, tests).
    """
    unregister_event_listener(fn)
    _LISTENERS.append((fn, wants))


def unregister_event_listener(fn: Callable) -> None:
    """Remove ``fn`` if it was registered (tests)."""
    _LISTENERS[:] = [(f, w) for f, w in _LISTENERS if f is not fn]


def event_wanted(name: str) -> bool:
    """True if some listener wants events called ``name`` (a listener without ``wants`` wants all)."""
    return any(wants is None or wants(name) for _fn, wants in _LISTENERS)


def emit_events(name: str, payloads: Iterable[dict]) -> None:
    """Hand events called ``name`` (e.g. ``"letter.sent"``), one per payload, to every listener.

    Call inside the transaction that made the change. Listeners' errors propagate
    (the change rolls back rather than happening unannounced).
    """
    payloads = list(payloads)
    if not payloads:
        return
    for fn, wants in list(_LISTENERS):
        if wants is None or wants(name):
            fn(name, payloads)


def emit_event(name: str, payload: dict) -> None:
    """Hand one event ``name`` with ``payload`` (a JSON-able dict of ids and states) to the listeners."""
    emit_events(name, [payload])
