"""The engine's Celery tasks: thin wrappers that take ids and call the services.

Sweeps per kind are scheduled in ``CELERY_BEAT_SCHEDULE`` (config/settings/base.py)
as ``outbox_sweep_task`` with the kind's name as argument; ``outbox_recover_task``
runs every 15 seconds for all kinds.

A task that meets a database or broker error (PostgreSQL restarting, Redis gone for a
moment) is retried with back-off, never dropped. If messages had already gone out,
the retry carries their outcomes (``settled``) and writes them before anything else,
so they are not sent again.
"""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from outbox.services import (
    RETRY_BACKOFF_MAX,
    DeliveryInterrupted,
    Outcome,
    TemporaryDeliveryError,
    deliveries_recover,
    deliveries_send_chunk,
    deliveries_sweep,
    delivery_send,
)

logger = logging.getLogger(__name__)

# A database or broker that is briefly away: retried, with back-off, for about 10 minutes.
INFRASTRUCTURE_ERRORS = (DjangoOperationalError, DjangoInterfaceError, BrokerOperationalError)
INFRASTRUCTURE_RETRIES = 12
INFRASTRUCTURE_BACKOFF_MAX = 60


def _infrastructure_countdown(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=1, retries=retries, maximum=INFRASTRUCTURE_BACKOFF_MAX, full_jitter=True
    )


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=INFRASTRUCTURE_ERRORS,
    retry_backoff=True,
    # Never more than 5 minutes in the broker: also keeps every ETA well inside
    # Redis's visibility_timeout, so a waiting retry is not redelivered early.
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.CANDOR_SEND_MAX_RETRIES,
)
def delivery_send_task(self, kind: str, pk: int, settled: list | None = None) -> str:
    """Send one row. A temporary SMTP failure is retried by this task (countdown ≤ 300 s) while
    the row's tries allow it; after that the row waits in the database for the recovery sweep."""
    try:
        return delivery_send(
            kind=kind, pk=pk, last_try=self.request.retries >= self.max_retries, settled=settled
        )
    except TemporaryDeliveryError as exc:
        if exc.countdown is None:
            return Outcome.WAITING
        raise self.retry(exc=exc, countdown=exc.countdown) from exc
    except DeliveryInterrupted as exc:
        raise self.retry(
            exc=exc,
            kwargs={"settled": exc.settled},
            countdown=_infrastructure_countdown(self.request.retries),
            max_retries=self.max_retries + INFRASTRUCTURE_RETRIES,
        ) from exc


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=INFRASTRUCTURE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=INFRASTRUCTURE_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=INFRASTRUCTURE_RETRIES,
)
def delivery_send_chunk_task(self, kind: str, pks: list[int], settled: list | None = None) -> dict:
    """Send a chunk of rows over one SMTP connection. A row whose try failed temporarily is
    queued again on ``delivery_send_task`` (with back-off) by the engine; a database or
    broker error retries the chunk."""
    try:
        outcomes = deliveries_send_chunk(kind=kind, pks=pks, settled=settled)
    except DeliveryInterrupted as exc:
        logger.warning("delivery %s: chunk interrupted (%s); retrying", kind, exc)
        raise self.retry(
            exc=exc,
            kwargs={"settled": exc.settled},
            countdown=_infrastructure_countdown(self.request.retries),
        ) from exc
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task(autoretry_for=INFRASTRUCTURE_ERRORS, retry_backoff=True, retry_backoff_max=30, max_retries=3)
def outbox_sweep_task(kind: str) -> int:
    """Claim the kind's due rows and queue their sends. Returns how many were claimed."""
    return deliveries_sweep(kind=kind)


@shared_task(autoretry_for=INFRASTRUCTURE_ERRORS, retry_backoff=True, retry_backoff_max=10, max_retries=2)
def outbox_recover_task() -> dict:
    """Queue again, for every kind, rows whose worker died or whose task was lost (beat: every 15 s)."""
    return deliveries_recover()
