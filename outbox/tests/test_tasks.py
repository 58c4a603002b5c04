"""The send tasks' Celery options: late acks, retries with capped back-off, infrastructure errors retried."""

from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from outbox.services import RETRY_BACKOFF_MAX
from outbox.tasks import (
    delivery_send_chunk_task,
    delivery_send_task,
    outbox_recover_task,
    outbox_sweep_task,
)


def test_send_task_retries_with_capped_backoff_and_bounded_tries(settings):
    # Temporary SMTP failures are retried by the task itself with the engine's countdown
    # (outbox.sending._backoff, at most RETRY_BACKOFF_MAX); database and broker errors by autoretry.
    assert delivery_send_task.retry_backoff is True
    assert delivery_send_task.retry_jitter is True
    assert delivery_send_task.retry_backoff_max == RETRY_BACKOFF_MAX <= 300
    assert delivery_send_task.max_retries == settings.CANDOR_SEND_MAX_RETRIES
    assert delivery_send_task.acks_late is True


def test_database_and_broker_errors_are_retried_by_every_outbox_task_not_dropped():
    for task in (delivery_send_task, delivery_send_chunk_task, outbox_sweep_task, outbox_recover_task):
        assert set(task.autoretry_for) >= {OperationalError, InterfaceError, BrokerOperationalError}, (
            task.name
        )
        assert task.retry_backoff is True and task.retry_backoff_max <= 300
        assert task.max_retries >= 2
    assert delivery_send_chunk_task.acks_late is True


def test_the_engine_finds_its_tasks_by_the_names_it_publishes_to():
    from outbox.claims import SEND_CHUNK_TASK, SEND_TASK

    assert delivery_send_task.name == SEND_TASK
    assert delivery_send_chunk_task.name == SEND_CHUNK_TASK
