"""Feedback's Celery tasks: thin wrappers that call services. Schedules: CELERY_BEAT_SCHEDULE.

Sending (letters, reminders, answers) is the outbox's: ``outbox.tasks``.
"""

from celery import shared_task


@shared_task
def late_digest_task() -> int:
    from feedback.digest import late_digest_send

    return late_digest_send()


@shared_task
def retention_sweep_task():
    from feedback.privacy.services import candidates_erase_expired

    return candidates_erase_expired()
