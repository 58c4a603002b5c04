"""The engine's Celery tasks: thin wrappers that take ids and call the services.

Sweeps per kind are scheduled in ``CELERY_BEAT_SCHEDULE`` (config/settings/base.py)
as ``outbox_sweep_task`` with the kind's name as argument.
"""

from celery import shared_task
from django.conf import settings

from outbox.services import (
    RETRY_BACKOFF_MAX,
    TemporaryDeliveryError,
    deliveries_send_chunk,
    deliveries_sweep,
    delivery_send,
)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TemporaryDeliveryError,),
    retry_backoff=True,
    # Never more than 5 minutes in the broker: also keeps every ETA well inside
    # Redis's visibility_timeout, so a waiting retry is not redelivered early.
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.CANDOR_SEND_MAX_RETRIES,
)
def delivery_send_task(self, kind: str, pk: int) -> str:
    return delivery_send(kind=kind, pk=pk, last_try=self.request.retries >= self.max_retries)


@shared_task(acks_late=True)
def delivery_send_chunk_task(kind: str, pks: list[int]) -> dict:
    """Send a chunk of rows over one SMTP connection. It does not retry itself: a row whose
    try failed is queued again on ``delivery_send_task`` (with back-off) by the engine."""
    outcomes = deliveries_send_chunk(kind=kind, pks=pks)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task
def outbox_sweep_task(kind: str) -> int:
    """Claim the kind's due rows and queue their sends. Returns how many were claimed."""
    return deliveries_sweep(kind=kind)
