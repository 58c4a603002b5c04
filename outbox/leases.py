"""Keeping a worker's leases while it sends: renewals on the database's clock, and each send's deadline.

A worker takes rows with a short lease (``CANDOR_SEND_LEASE_SECONDS``, 30 s by
default), so that the rows of a worker that dies are handed out again within a
lease plus one recovery sweep. While it lives, ``LeaseKeeper`` (a thread per send
or chunk) renews the lease of the rows it still holds every third of the lease,
with one conditional UPDATE (``claimed_until = NOW() + lease WHERE status =
'sending' AND attempts = <ours>``), so a slow send is never taken over.

The keeper is also the send's watchdog. ``EMAIL_TIMEOUT`` bounds each read, not a
server that trickles its answer a byte at a time: a send that outlives
``CANDOR_SEND_DEADLINE_SECONDS`` has its SMTP session cut
(``outbox.backends.session_abort``). Renewals are bounded too: they stop once the
chunk has run for ``CANDOR_SEND_CHUNK_SECONDS`` plus a deadline, so a worker stuck
elsewhere cannot hold rows for ever.

The sender asks ``lease_left()`` before each message, on its own monotonic clock
from the last renewal that succeeded: if the renewals fail (the database is
unreachable), it stops before the lease could run out rather than race the sweep.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from outbox.backends import session_abort
from outbox.claims import db_lease
from outbox.kinds import DeliveryKind

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    return float(settings.CANDOR_SEND_LEASE_SECONDS)


def send_deadline_seconds() -> float:
    """How long one message may take, from connecting to the server's final answer."""
    return float(settings.CANDOR_SEND_DEADLINE_SECONDS)


def chunk_budget_seconds() -> float:
    """How long a chunk may keep starting new messages before it hands the rest back."""
    return float(settings.CANDOR_SEND_CHUNK_SECONDS)


class LeaseKeeper:
    """Renews the lease of ``rows`` (taken by this worker, in *sending*) while it runs.

    Use as a context manager around the sends; ``sending()`` around each message.
    ``taken_at``: ``time.monotonic()`` read just before the take wrote the lease.
    """

    def __init__(self, spec: DeliveryKind, rows: list, *, taken_at: float):
        self.spec = spec
        self.rows = list(rows)
        self.lease = lease_seconds()
        self.interval = max(0.2, self.lease / 3)
        self.deadline = send_deadline_seconds()
        self.valid_until = taken_at + self.lease
        self._last_try = taken_at
        self._renew_until = taken_at + chunk_budget_seconds() + self.deadline + self.lease
        self._current: tuple[int, float] | None = None  # (thread id, deadline) of the send under way
        self._aborted = False
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.renewals = 0

    # -- the sender's side -------------------------------------------------
    def __enter__(self) -> LeaseKeeper:
        if self.rows:
            self._thread = threading.Thread(target=self._run, name="candor-lease-keeper", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            # A renewal under way finishes first (one short UPDATE); never wait long for it.
            self._thread.join(timeout=max(5.0, self.interval))

    def lease_left(self) -> float:
        """Seconds of lease this worker is sure of (monotonic clock, from the last renewal that worked)."""
        return self.valid_until - time.monotonic()

    def fresh_enough(self) -> bool:
        """Whether to start another message: at least half a lease is left."""
        return self.lease_left() >= self.lease / 2

    @contextmanager
    def sending(self):
        """One message under way on this thread: cut its SMTP session if it outlives the deadline."""
        self._aborted = False
        self._current = (threading.get_ident(), time.monotonic() + self.deadline)
        self._wake.set()
        try:
            yield
        finally:
            self._current = None

    # -- the keeper thread -------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                now = time.monotonic()
                wake_at = self._last_try + self.interval
                current = self._current
                if current is not None and not self._aborted:
                    wake_at = min(wake_at, current[1])
                self._wake.wait(max(0.0, wake_at - now))
                self._wake.clear()
                if self._stopped.is_set():
                    return
                now = time.monotonic()
                current = self._current
                if current is not None and not self._aborted and now >= current[1]:
                    self._aborted = True
                    reason = f"The mail server had not finished within {self.deadline:g} seconds."
                    logger.warning("delivery %s: a send outlived its deadline; cutting it", self.spec.name)
                    session_abort(current[0], reason)
                if now >= self._last_try + self.interval and now < self._renew_until:
                    self._renew(now)
        finally:
            # This thread's own database connection (connections are per thread).
            connections.close_all()

    def _renew(self, started: float) -> None:
        from outbox.marking import rows_mine

        self._last_try = started
        try:
            held = rows_mine(self.spec.model_class, self.rows).update(claimed_until=db_lease())
        except Exception as exc:  # the database is unreachable: the sender stops before the lease ends
            logger.warning("delivery %s: could not renew the lease (%s)", self.spec.name, type(exc).__name__)
            connections.close_all()
            return
        if held:
            self.valid_until = started + self.lease
            self.renewals += 1
