"""Readiness for a load balancer and an operator: can Candor serve, queue and send right now?

``health_report()`` answers the JSON of ``/healthz/ready`` (``core.views.health_ready``):

- ``database``, ``broker``: each ``{"ok": bool, "ms": float}`` (plus ``"error"``, the
  exception's class name, when not ok). Either down makes the whole answer 503: this web
  process cannot do its job, the load balancer should send traffic elsewhere.
- ``worker``, ``beat``: their heartbeats (``core.heartbeats``): ``{"seen_seconds_ago": int
  or null, "stale": bool}``. Stale heartbeats make ``status`` "degraded" but keep the
  answer 200: letters wait, yet every web process serves pages as well as any other.
- whatever apps above core register with ``register_health_probe`` (the outbox: the
  age of the oldest due, unsent row of each kind of email).

Only ages, counts, booleans and class names: no personal data, no host names or addresses.
Cheap: one ``SELECT 1``, one broker connection with a short time-out, one query for the
heartbeats, and what the probes cost (one indexed query per kind of email).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from celery import current_app
from django.db import connection

from core.heartbeats import heartbeats_read

# Seconds to wait for the broker before calling it down.
BROKER_TIMEOUT = 2.0

# name -> probe() -> a JSON-able dict with an "ok" key; False there marks the report degraded.
# Filled by AppConfig.ready() of apps above core (outbox/apps.py): core names no app.
PROBES: dict[str, Callable[[], dict]] = {}


def register_health_probe(name: str, probe: Callable[[], dict]) -> None:
    """Add a section ``name`` to the readiness report (call from ``AppConfig.ready()``).

    ``probe()`` returns a JSON-able dict with an ``"ok"`` boolean; ``False`` makes the
    report "degraded" (still 200). A probe that raises is reported as
    ``{"ok": False, "error": <class name>}``. Registering a name again replaces it.
    """
    PROBES[name] = probe


def _elapsed_ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def database_status() -> dict:
    """``SELECT 1`` on the default database: ``{"ok", "ms"}`` and ``"error"`` if it failed."""
    start = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the class name says which
        return {"ok": False, "ms": _elapsed_ms(start), "error": type(exc).__name__}
    return {"ok": True, "ms": _elapsed_ms(start)}


def broker_status(*, timeout: float = BROKER_TIMEOUT) -> dict:
    """Connect to Celery's broker and, for Redis, PING it, within ``timeout`` seconds.

    A new connection each time (no pool to go stale), one try. ``{"ok", "ms"}`` and
    ``"error"`` (the exception's class name) if it failed.
    """
    start = time.monotonic()
    broker = current_app.connection_for_read(
        connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout},
    )
    try:
        # kombu's Redis channel PINGs the server when it is created.
        broker.ensure_connection(max_retries=0, timeout=timeout)
        broker.default_channel  # noqa: B018 - opening the channel is the check
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return {"ok": False, "ms": _elapsed_ms(start), "error": type(exc).__name__}
    finally:
        broker.release()
    return {"ok": True, "ms": _elapsed_ms(start)}


def _heartbeat_section(state) -> dict:
    age = int(state.age.total_seconds()) if state.age is not None else None
    return {"seen_seconds_ago": age, "stale": state.stale}


def health_report() -> tuple[int, dict]:
    """The readiness report: ``(http_status, body)``.

    ``http_status`` is 503 when the database or the broker is down, else 200. ``body``:
    ``{"status": "ok" | "degraded" | "down", "database": …, "broker": …, "worker": …,
    "beat": …, <probe name>: …}`` (see the module docstring). With the database down the
    heartbeats and probes are not read (they need it) and are reported as unknown.
    """
    database = database_status()
    broker = broker_status()
    body: dict = {"status": "ok", "database": database, "broker": broker}
    if database["ok"]:
        try:
            states = heartbeats_read()
            for name, state in states.items():
                body[name] = _heartbeat_section(state)
        except Exception as exc:  # noqa: BLE001 - e.g. a missing table before migrate
            body["heartbeats"] = {"ok": False, "error": type(exc).__name__}
        for name, probe in PROBES.items():
            try:
                body[name] = probe()
            except Exception as exc:  # noqa: BLE001 - one broken probe must not hide the others
                body[name] = {"ok": False, "error": type(exc).__name__}
    if not (database["ok"] and broker["ok"]):
        body["status"] = "down"
        return 503, body
    sections = [value for key, value in body.items() if isinstance(value, dict)]
    if any(section.get("stale") or section.get("ok") is False for section in sections):
        body["status"] = "degraded"
    return 200, body
