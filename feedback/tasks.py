"""Feedback's Celery tasks: thin wrappers that call services. Schedules: CELERY_BEAT_SCHEDULE.

Sending (letters, reminders, answers) is the outbox's: ``outbox.tasks``.
"""

from celery import shared_task


@shared_task
def late_digest_task(*, business_days_only: bool = False) -> int:
    """Send today's late digests; returns how many went out.

    ``business_days_only`` (the beat entry sets it): on a day that is not a business day
    in the organisation's zone (``core.dates.is_business_day``: weekends, public holidays,
    closure days) send nothing and return 0; the next business morning's digest lists
    everything still late.
    """
    from django.utils import timezone

    from core.dates import is_business_day, org_tz
    from feedback.digest import late_digest_send

    if business_days_only and not is_business_day(timezone.localdate(timezone.now(), org_tz())):
        return 0
    return late_digest_send()


@shared_task
def retention_sweep_task():
    from feedback.privacy.services import candidates_erase_expired

    return candidates_erase_expired()
