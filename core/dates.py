"""Business-day arithmetic in the organisation's time zone."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


def org_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def add_business_days(day: dt.date, n: int) -> dt.date:
    """The date n business days (Mon-Fri) after day."""
    current = day
    added = 0
    while added < n:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def next_business_morning(now: dt.datetime | None = None) -> dt.datetime:
    """The next weekday at CANDOR_SEND_HOUR in the organisation's time zone, after now."""
    now = now or timezone.now()
    local = now.astimezone(org_tz())
    candidate = local.replace(hour=settings.CANDOR_SEND_HOUR, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    while candidate.weekday() >= 5:
        candidate += dt.timedelta(days=1)
    # Rebuild from the date so a DST change between now and then keeps 09:00 local.
    return dt.datetime.combine(candidate.date(), dt.time(settings.CANDOR_SEND_HOUR), tzinfo=org_tz())


def end_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=org_tz())
