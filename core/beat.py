"""Celery beat's scheduler, with a heartbeat: beat says it is alive even when no worker runs.

``CELERY_BEAT_SCHEDULER`` names ``HeartbeatScheduler``: Celery's default file-backed
scheduler (``--schedule FILE`` works as before) that marks the ``beat`` heartbeat
(``core.heartbeats``) at most once a minute, from beat's own loop. The loop wakes at least
that often, because the letters and answers sweeps run every minute.
"""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler
from django.db import close_old_connections, connection

from core.heartbeats import BEAT, MARK_EVERY, heartbeat_mark

logger = logging.getLogger(__name__)


class HeartbeatScheduler(PersistentScheduler):
    """``PersistentScheduler`` that marks the ``beat`` heartbeat every ``MARK_EVERY``."""

    _next_mark: float | None = None

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if self._next_mark is None or now >= self._next_mark:
            self._next_mark = now + MARK_EVERY.total_seconds()
            self.mark_alive()
        return super().tick(*args, **kwargs)

    def mark_alive(self) -> None:
        """Mark the heartbeat; a database that is down is logged, never stops the schedule."""
        try:
            # Beat keeps one connection for ever: drop it if an outage broke it (never inside a
            # transaction someone else holds open, as a test's is).
            if not connection.in_atomic_block:
                close_old_connections()
            heartbeat_mark(name=BEAT)
        except Exception as exc:  # noqa: BLE001 - any database error: log it, keep scheduling
            logger.warning("beat heartbeat not recorded: %s", type(exc).__name__)
