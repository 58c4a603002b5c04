"""Celery tasks: thin wrappers that take ids and call services. Schedules: CELERY_BEAT_SCHEDULE."""

from celery import shared_task
from django.conf import settings

from .delivery import (
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
def letters_sweep_task() -> int:
    return deliveries_sweep(kind="letter")


@shared_task
def reminders_sweep_task() -> int:
    return deliveries_sweep(kind="reminder")


@shared_task
def answers_sweep_task() -> int:
    return deliveries_sweep(kind="answer")


@shared_task
def late_digest_task() -> int:
    from .emails_digest import late_digest_send

    return late_digest_send()


@shared_task
def retention_sweep_task():
    from .services.privacy import candidates_erase_expired

    return candidates_erase_expired()
