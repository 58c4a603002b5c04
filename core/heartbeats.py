"""Is anything sending? Heartbeats of the Celery worker and beat, on the database's clock.

Letters, reminders and answers are rows that wait for beat's sweeps to hand them to a
worker (docs/sending.md). If either process is down, nothing fails: they wait, silently.
So both leave a heartbeat (``core.Heartbeat``), and the health endpoint and HR's home page
read it:

- ``beat``: marked by beat's scheduler itself (``core.beat.HeartbeatScheduler``) at most
  every ``MARK_EVERY``, whether or not any worker runs.
- ``worker``: marked when a worker starts (``config/celery.py``) and each time a worker runs
  ``core.tasks.heartbeat_task``, which beat queues every minute (``CELERY_BEAT_SCHEDULE``).
  A dead beat therefore also leaves the worker unseen; a dead worker leaves beat fresh.

Times are the database's (``Now()``), written and compared there, so a process whose clock
is off neither hides nor fakes a stale heartbeat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models.functions import Now

from core.models import Heartbeat

WORKER = "worker"
BEAT = "beat"
NAMES = (BEAT, WORKER)
# Beat marks itself, and queues the worker's heartbeat, every minute.
MARK_EVERY = dt.timedelta(seconds=60)
# "Several minutes": five missed heartbeats before anyone is warned.
STALE_AFTER = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class HeartbeatState:
    """One process's heartbeat: ``seen_at`` (aware datetime, or None if never seen),
    ``age`` (timedelta on the database's clock, or None) and ``stale`` (older than
    ``STALE_AFTER``, or never seen)."""

    name: str
    seen_at: dt.datetime | None
    age: dt.timedelta | None

    @property
    def stale(self) -> bool:
        return self.age is None or self.age > STALE_AFTER


def heartbeat_mark(*, name: str) -> None:
    """Record that process ``name`` ("worker" or "beat") is alive now, on the database's clock.

    One UPDATE; an INSERT the first time (a concurrent first insert is absorbed by
    ``get_or_create``). Not audited: it is operational, once a minute. Raises the
    database's errors (callers in beat and the worker log them and carry on).
    """
    if not Heartbeat.objects.filter(name=name).update(seen_at=Now()):
        Heartbeat.objects.get_or_create(name=name, defaults={"seen_at": Now()})


def heartbeats_read() -> dict[str, HeartbeatState]:
    """Every heartbeat in ``NAMES``, by name, with its age on the database's clock. One query."""
    rows = {
        name: (seen_at, db_now)
        for name, seen_at, db_now in Heartbeat.objects.filter(name__in=NAMES)
        .annotate(db_now=Now())
        .values_list("name", "seen_at", "db_now")
    }
    states = {}
    for name in NAMES:
        seen_at, db_now = rows.get(name, (None, None))
        age = max(db_now - seen_at, dt.timedelta(0)) if seen_at is not None else None
        states[name] = HeartbeatState(name=name, seen_at=seen_at, age=age)
    return states


def sending_stalled(states: dict[str, HeartbeatState] | None = None) -> HeartbeatState | None:
    """The process whose silence would leave letters waiting, or None when both were seen lately.

    Beat first: without it nothing is handed to a worker (and the worker's heartbeat, which
    beat queues, goes stale too), so a stale beat is the cause to name. Otherwise the
    worker, if stale. ``states`` defaults to ``heartbeats_read()``.
    """
    states = heartbeats_read() if states is None else states
    for name in NAMES:
        if states[name].stale:
            return states[name]
    return None
