"""Business-day arithmetic and time zones: the organisation's zone unless one is given.

Business days are Monday to Friday; public holidays are not counted out.
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


def org_tz() -> zoneinfo.ZoneInfo:
    """The organisation's time zone (``settings.TIME_ZONE``)."""
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


def end_of_local_day(day: dt.date, *, tz: zoneinfo.ZoneInfo | None = None) -> dt.datetime:
    """23:59:59 on ``day`` in ``tz`` (default: the organisation's zone), as an aware datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz or org_tz())


def business_deadline(
    start: dt.datetime, business_days: int, *, tz: zoneinfo.ZoneInfo | None = None
) -> dt.datetime:
    """The deadline ``business_days`` business days after ``start``: the end of that local day.

    ``start``: an aware datetime (a decision, a question asked). ``business_days``:
    a count of business days (Mon-Fri), 0 or more; the day of ``start`` itself does
    not count, so a start on Friday with 1 business day is due on Monday, and a
    start on Saturday or Sunday with 1 is due on Monday too. ``tz``: the zone in
    which days are counted and the deadline falls, default the organisation's
    (``settings.TIME_ZONE``). Returns 23:59:59 of that day in ``tz``, aware.
    Raises ValueError for a naive ``start`` or a negative count.
    """
    if timezone.is_naive(start):
        raise ValueError("business_deadline needs an aware start datetime.")
    if business_days < 0:
        raise ValueError("business_days cannot be negative.")
    zone = tz or org_tz()
    start_day = start.astimezone(zone).date()
    return end_of_local_day(add_business_days(start_day, business_days), tz=zone)
