"""Celery tasks of the integrations app: thin wrappers that take ids and call the services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from integrations.services import inbound_event_process, inbound_events_requeue_stale


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, BrokerOperationalError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def inbound_event_process_task(event_pk: int) -> str:
    """Process one ATS event from the inbox (``services.inbound_event_process``). A duplicate task
    finds the event processed and does nothing; a database briefly away is retried with back-off.
    Vendor API failures are not retried here: the event is marked failed for HR to re-process."""
    return inbound_event_process(event_pk=event_pk)


@shared_task(acks_late=True)
def inbound_events_recover_task() -> int:
    """Queue again the ATS events whose processing task was lost (``inbound_events_requeue_stale``).
    For ``CELERY_BEAT_SCHEDULE`` (every 5 minutes)."""
    return inbound_events_requeue_stale()
