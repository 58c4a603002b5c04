"""Who may send a row, and when: due rows, leases, the sweep that claims them and queues their sends.

The beat sweep (``deliveries_sweep``, ``outbox.tasks.outbox_sweep_task``) locks due
rows with ``select_for_update(skip_locked=True)``, leases them (``claimed_until``)
and, after commit, queues one ``delivery_send_chunk_task`` per chunk of
``CANDOR_SEND_CHUNK`` ids (a chunk of one id goes to ``delivery_send_task``). Rows
stuck in *sending* whose lease ran out (a worker died mid-send) go back to
scheduled and are queued again; ``deliveries_recover`` (beat every 15 s) does only
that, and re-queues claimed rows nobody took, for every kind.

Every lease (``claimed_until``) is compared and written on the DATABASE's clock
(``Now()``), never a process's own: a worker whose clock runs ahead cannot think a
live lease expired. Due times (``send_after``) are compared with the process's clock
(``timezone.now()``): a skewed clock only makes a row go a little early or late, never
twice, and tests can travel in time. docs/sending.md has the why.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from outbox.kinds import KINDS, delivery_kind
from outbox.models import DeliveryStatus

logger = logging.getLogger(__name__)

# Celery's longest retry back-off (seconds). Nothing waits longer in the broker.
RETRY_BACKOFF_MAX = 300
# The tasks (outbox/tasks.py), looked up by name in the Celery app: services never import tasks.
SEND_TASK = "outbox.tasks.delivery_send_task"
SEND_CHUNK_TASK = "outbox.tasks.delivery_send_chunk_task"
# Publishing to a broker that is down gives up quickly: the rows stay due.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def delivery_lease_until(now: datetime) -> datetime:
    """When a lease taken at ``now`` runs out (``CANDOR_SEND_LEASE_SECONDS`` later), on the caller's clock.

    For rows a process creates already leased to itself (the late digest). The engine's
    own leases are ``db_time_in(seconds)``, on the database's clock.
    """
    return now + timedelta(seconds=settings.CANDOR_SEND_LEASE_SECONDS)


def db_time_in(seconds: float) -> ExpressionWrapper:
    """The database's clock ``seconds`` from now, for a conditional UPDATE (``NOW() + interval``)."""
    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


def db_lease() -> ExpressionWrapper:
    """A lease from now, on the database's clock: ``NOW() + CANDOR_SEND_LEASE_SECONDS``."""
    return db_time_in(settings.CANDOR_SEND_LEASE_SECONDS)


def _lease_now(now: datetime | None):
    """What leases are compared with: ``now`` if a caller gave one, else the database's ``NOW()``."""
    return now if now is not None else Now()


def _due_now(now: datetime | None) -> datetime:
    """What due times are compared with: ``now`` if a caller gave one, else this process's clock."""
    return now if now is not None else timezone.now()


def deliveries_due_queryset(model: type[models.Model], now: datetime | None = None) -> models.QuerySet:
    """Scheduled rows whose time has come and that nobody holds (reads the partial *_due_idx index).

    ``now``: default this process's clock for ``send_after`` and the database's for the claim.
    """
    return (
        model.objects.filter(status=DeliveryStatus.SCHEDULED, send_after__lte=_due_now(now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=_lease_now(now)))
        .order_by("send_after")
    )


def deliveries_stuck_queryset(model: type[models.Model], now: datetime | None = None) -> models.QuerySet:
    """Rows left in *sending* by a worker that died: their lease has run out (database clock by default)."""
    return model.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=_lease_now(now)).order_by(
        "claimed_until"
    )


def takeable(now: datetime | None = None) -> Q:
    """Rows a send may take: scheduled and due (whoever claimed them), or stuck in sending.

    The lease of a row in sending is compared on the database's clock (``NOW()``), so
    that every process agrees whose it is; ``now``, if given, stands for both clocks.
    """
    return Q(status=DeliveryStatus.SCHEDULED, send_after__lte=_due_now(now)) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=_lease_now(now)
    )


def deliveries_claim_due(
    *, kind: str, now: datetime | None = None, limit: int = 500, reclaims_only: bool = False
) -> list[int]:
    """Lease up to ``limit`` due rows and, after commit, queue their send tasks. Returns their ids.

    Safe to run concurrently (rows locked by another sweeper are skipped) and
    inside a caller's transaction (nothing is queued if it rolls back).
    ``now``: default the database's clock. ``reclaims_only``: only rows claimed before
    whose claim ran out (queued but lost, or waiting for their next try) and rows stuck
    in *sending*: what ``deliveries_recover`` hands out again between a kind's sweeps.
    Raises ``DeliveryError`` for an unknown kind.
    """
    model = delivery_kind(kind).model_class
    lease_until = delivery_lease_until(now) if now is not None else db_lease()
    with transaction.atomic():
        due = deliveries_due_queryset(model, now)
        if reclaims_only:
            due = due.filter(claimed_until__isnull=False)
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        if ids:
            model.objects.filter(pk__in=ids).update(claimed_until=lease_until)
        room = limit - len(ids)
        if room > 0:
            stuck = list(
                deliveries_stuck_queryset(model, now)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:room]
            )
            if stuck:
                logger.warning("delivery %s: %d rows whose sender died are queued again", kind, len(stuck))
                model.objects.filter(pk__in=stuck, status=DeliveryStatus.SENDING).update(
                    status=DeliveryStatus.SCHEDULED, claimed_until=lease_until
                )
                ids += stuck
        if ids:
            transaction.on_commit(partial(_publish, kind, ids), robust=True)
    return ids


def deliveries_sweep(
    *,
    kind: str,
    now: datetime | None = None,
    batch: int = 500,
    max_batches: int = 40,
    reclaims_only: bool = False,
) -> int:
    """Claim due rows batch after batch (each its own transaction) until none are left. Returns how many."""
    total = 0
    for _ in range(max_batches):
        ids = deliveries_claim_due(kind=kind, now=now, limit=batch, reclaims_only=reclaims_only)
        total += len(ids)
        if len(ids) < batch:
            break
    return total


def deliveries_recover() -> dict[str, int]:
    """For every kind: queue again the rows whose worker or broker message was lost. Returns counts.

    Rows stuck in *sending* whose lease ran out (their worker died: the lease is
    renewed every third of ``CANDOR_SEND_LEASE_SECONDS`` while it lives), and
    scheduled rows whose claim ran out without anyone taking them (their task was
    lost with the broker, or their wait for the mail server is over). Run by beat
    every 15 seconds (``outbox-recover-sweep``), so such rows go out again within a
    lease plus 15 seconds, whatever the kind's own sweep interval. Reads only due
    and stuck rows through the partial indexes. For kinds without a sweep of their own
    (``DeliveryKind.own_sweep`` False: webhook deliveries) it claims every due row.
    """
    return {name: deliveries_sweep(kind=name, reclaims_only=KINDS[name].own_sweep) for name in sorted(KINDS)}


def deliveries_queue_new(*, kind: str, ids: list[int]) -> None:
    """After commit, queue the send tasks of rows just created claimed (``claimed_until`` a lease ahead).

    For kinds whose rows are due at once (webhook deliveries) and need no sweep of
    their own: if the broker cannot take the tasks (or loses them), the claims run out
    and the recovery sweep (``deliveries_recover``, every 15 s) queues the rows then.
    Call inside the transaction that created the rows.
    """
    if ids:
        transaction.on_commit(partial(_publish, kind, list(ids), release=False), robust=True)


def _chunks(ids: list[int]) -> list[list[int]]:
    size = max(1, int(settings.CANDOR_SEND_CHUNK))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _publish(kind: str, ids: list[int], release: bool = True) -> None:
    """Queue one send task per chunk of ids. If the broker is down, release the claims for the next sweep.

    A chunk of one id goes to ``delivery_send_task``, the single-row path. ``release``
    False: keep the claims (the recovery sweep queues the rows once they run out).
    """
    app = current_app
    queued = 0
    try:
        with app.producer_or_acquire() as producer:
            for chunk in _chunks(ids):
                if len(chunk) == 1:
                    name, args = SEND_TASK, (kind, chunk[0])
                else:
                    name, args = SEND_CHUNK_TASK, (kind, chunk)
                app.tasks[name].apply_async(
                    args, producer=producer, retry=True, retry_policy=PUBLISH_RETRY_POLICY
                )
                queued += len(chunk)
    except Exception as exc:  # kombu raises OperationalError and friends; all mean "not queued"
        rest = ids[queued:]
        if not release:
            logger.warning(
                "delivery %s: the broker is unavailable; %d rows wait for the recovery sweep", kind, len(rest)
            )
            return
        logger.warning(
            "delivery %s: the broker is unavailable (%s); %d of %d not queued, released for the next sweep",
            kind,
            type(exc).__name__,
            len(rest),
            len(ids),
        )
        delivery_kind(kind).model_class.objects.filter(pk__in=rest, status=DeliveryStatus.SCHEDULED).update(
            claimed_until=None
        )
