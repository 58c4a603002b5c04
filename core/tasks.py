"""Core's Celery tasks."""

from celery import shared_task

from core.heartbeats import WORKER, heartbeat_mark


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    """Mark the ``worker`` heartbeat: a worker is taking tasks. Queued by beat every minute."""
    heartbeat_mark(name=WORKER)
