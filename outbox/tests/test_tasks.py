"""The send tasks' Celery options: late acks, bounded retries with capped back-off."""

from outbox.services import RETRY_BACKOFF_MAX, TemporaryDeliveryError
from outbox.tasks import delivery_send_chunk_task, delivery_send_task


def test_send_task_retries_with_capped_backoff_and_bounded_tries(settings):
    assert delivery_send_task.autoretry_for == (TemporaryDeliveryError,)
    assert delivery_send_task.retry_backoff is True
    assert delivery_send_task.retry_jitter is True
    assert delivery_send_task.retry_backoff_max == RETRY_BACKOFF_MAX <= 300
    assert delivery_send_task.max_retries == settings.CANDOR_SEND_MAX_RETRIES
    assert delivery_send_task.acks_late is True


def test_the_engine_finds_its_tasks_by_the_names_it_publishes_to():
    from outbox.claims import SEND_CHUNK_TASK, SEND_TASK

    assert delivery_send_task.name == SEND_TASK
    assert delivery_send_chunk_task.name == SEND_CHUNK_TASK
