"""Business days and time zones: the one home of "business day" for every deadline, send time and digest.

A **business day** is a Monday to Friday that is neither a public holiday of the
organisation's country and region nor a closure day HR added (``core.ClosureDay``,
on the "Closure days" page). ``is_business_day`` is the one test; every other
function here counts with it, and so do the letter and request deadlines
(``business_deadline``), the default send time of letters
(``next_business_morning``) and the late digest (``feedback.tasks.late_digest_task``
sends nothing on a day that is not a business day).

Public holidays come from the ``holidays`` package (python-holidays, a maintained
library of official calendars; observed substitute days included, e.g. Monday 28
December 2026 for Boxing Day in England). The region is ``settings.CANDOR_COUNTRY``
(ISO 3166-1 alpha-2, e.g. ``GB``, ``DE``) and ``settings.CANDOR_SUBDIVISION`` (the
package's subdivision code, e.g. ``ENG``, ``BY``). When ``CANDOR_COUNTRY`` is empty
(the default) both are derived from the organisation's time zone
(``CANDOR_TIME_ZONE`` → ``settings.TIME_ZONE``) by ``region_for_time_zone``:

- the country is the one the IANA ``zone.tab`` names for the zone (from the
  ``tzdata`` package), e.g. Europe/Berlin → DE, America/New_York → US;
- the subdivision is set only where the zone names one unambiguously
  (``ZONE_SUBDIVISIONS``: Europe/London → ENG, Australia/Sydney → NSW, …);
  elsewhere only the country's nationwide holidays count;
- a zone with no country (UTC, Etc/…) gives no public holidays: weekends and
  closure days only. Set ``CANDOR_COUNTRY`` then.

An explicit ``CANDOR_COUNTRY`` wins; ``CANDOR_SUBDIVISION`` then defaults to none
(nationwide). Days are counted in the organisation's time zone unless a function
is given another.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import logging
import zoneinfo

import holidays
from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

logger = logging.getLogger(__name__)

# Zones that name one subdivision of their country (holidays' subdivision codes). A zone
# that covers several regions with different holidays (Europe/Berlin: all of Germany)
# is not listed: nationwide holidays only, unless CANDOR_SUBDIVISION says which.
ZONE_SUBDIVISIONS = {
    "Europe/London": "ENG",  # England (Scotland, Wales, Northern Ireland: set CANDOR_SUBDIVISION)
    "Europe/Belfast": "NIR",
    "Australia/Sydney": "NSW",
    "Australia/Melbourne": "VIC",
    "Australia/Brisbane": "QLD",
    "Australia/Adelaide": "SA",
    "Australia/Perth": "WA",
    "Australia/Hobart": "TAS",
    "Australia/Darwin": "NT",
    "America/Toronto": "ON",
    "America/Vancouver": "BC",
    "America/Halifax": "NS",
    "America/Winnipeg": "MB",
    "America/Regina": "SK",
    "America/Edmonton": "AB",
}
# Aliases that zone.tab does not list (it names canonical zones only).
ZONE_COUNTRY_ALIASES = {"GB": "GB", "Europe/Belfast": "GB", "Eire": "IE", "Japan": "JP", "Singapore": "SG"}


def org_tz() -> zoneinfo.ZoneInfo:
    """The organisation's time zone (``settings.TIME_ZONE``)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# Which region's public holidays -------------------------------------------------------------


@functools.cache
def _zone_countries() -> dict[str, str]:
    """IANA zone name → ISO country code, from ``zone.tab`` in the tzdata package."""
    text = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    countries = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            countries[fields[2]] = fields[0]
    return countries


def region_for_time_zone(zone: str) -> tuple[str, str]:
    """(country, subdivision) whose public holidays a zone implies; ("", "") for none.

    ``zone``: an IANA name. Europe/London → ("GB", "ENG"); Europe/Berlin → ("DE", "");
    UTC → ("", ""). See the module docstring for the rule.
    """
    country = ZONE_COUNTRY_ALIASES.get(zone) or _zone_countries().get(zone, "")
    return country, ZONE_SUBDIVISIONS.get(zone, "") if country else ""


def holiday_region() -> tuple[str, str]:
    """(country, subdivision) of the organisation's public holidays, from the settings.

    ``CANDOR_COUNTRY`` and ``CANDOR_SUBDIVISION`` when set, else derived from the time
    zone (``region_for_time_zone``). ("", "") means no public holidays.
    """
    country = (getattr(settings, "CANDOR_COUNTRY", "") or "").strip().upper()
    subdivision = (getattr(settings, "CANDOR_SUBDIVISION", "") or "").strip()
    if not country:
        country, derived = region_for_time_zone(settings.TIME_ZONE)
        subdivision = subdivision or derived
    return country, subdivision


@functools.cache
def _subdivision_code(country: str, subdivision: str) -> str:
    """The subdivision code as the package spells it; ImproperlyConfigured for an unknown region."""
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ImproperlyConfigured(
            f"CANDOR_COUNTRY={country!r} is not a country the holidays package knows "
            "(an ISO 3166-1 alpha-2 code such as GB or DE)."
        )
    if not subdivision:
        return ""
    for code in supported[country]:
        if code.casefold() == subdivision.casefold():
            return code
    raise ImproperlyConfigured(
        f"CANDOR_SUBDIVISION={subdivision!r} is not a subdivision of {country} in the holidays "
        f"package (known: {', '.join(supported[country])})."
    )


def check_holiday_region() -> tuple[str, str]:
    """The region in effect, validated: (country, subdivision code). Raises ImproperlyConfigured."""
    country, subdivision = holiday_region()
    if not country:
        return "", ""
    return country, _subdivision_code(country, subdivision)


@register()
def check_business_day_settings(app_configs=None, **kwargs) -> list[Error]:
    """A system check (``manage.py check``, every start): CANDOR_COUNTRY / CANDOR_SUBDIVISION name
    a region the holidays package knows, so a typo fails at start, not at the first deadline."""
    try:
        check_holiday_region()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="Fix CANDOR_COUNTRY / CANDOR_SUBDIVISION.", id="candor.E020")]
    return []


@functools.cache
def _public_holidays(country: str, subdivision: str, year: int) -> dict[dt.date, str]:
    if not country:
        return {}
    code = _subdivision_code(country, subdivision)
    calendar = holidays.country_holidays(country, subdiv=code or None, years=year, language="en_US")
    return dict(calendar.items())


def public_holidays(year: int, *, region: tuple[str, str] | None = None) -> dict[dt.date, str]:
    """The public holidays of ``year`` (date → name) in ``region`` (default: the organisation's)."""
    country, subdivision = region or holiday_region()
    return _public_holidays(country, subdivision, year)


# Business days ------------------------------------------------------------------------------


class BusinessCalendar:
    """Which days are business days, for one computation.

    Reads the closure days of each year it is asked about once (one query per year), so
    counting 5 business days costs one query however many days it steps over; make a new
    one per computation so that a closure day added by HR counts at once.
    """

    def __init__(self, *, region: tuple[str, str] | None = None):
        self.region = region or holiday_region()
        self._closures: dict[int, set[dt.date]] = {}

    def closure_days(self, year: int) -> set[dt.date]:
        if year not in self._closures:
            from core.models import ClosureDay  # models load after settings; dates is imported early

            self._closures[year] = set(
                ClosureDay.objects.filter(day__year=year).order_by().values_list("day", flat=True)
            )
        return self._closures[year]

    def is_business_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return False
        if day in public_holidays(day.year, region=self.region):
            return False
        return day not in self.closure_days(day.year)

    def why_not(self, day: dt.date) -> str:
        """Why ``day`` is not a business day ("Saturday", "Christmas Day", "closure day"), or ""."""
        if day.weekday() >= 5:
            return f"{day:%A}"
        name = public_holidays(day.year, region=self.region).get(day)
        if name:
            return name
        if day in self.closure_days(day.year):
            return "closure day"
        return ""

    def add_business_days(self, day: dt.date, n: int) -> dt.date:
        current = day
        added = 0
        while added < n:
            current += dt.timedelta(days=1)
            if self.is_business_day(current):
                added += 1
        return current

    def next_business_day(self, day: dt.date, *, including: bool = True) -> dt.date:
        current = day if including else day + dt.timedelta(days=1)
        while not self.is_business_day(current):
            current += dt.timedelta(days=1)
        return current


def is_business_day(day: dt.date) -> bool:
    """Whether ``day`` (a local date) is a business day: Monday to Friday, not a public holiday
    of the organisation's region (``holiday_region``), not a closure day. The one rule."""
    return BusinessCalendar().is_business_day(day)


def add_business_days(day: dt.date, n: int) -> dt.date:
    """The date ``n`` business days after ``day`` (``day`` itself does not count; n ≥ 0)."""
    return BusinessCalendar().add_business_days(day, n)


def next_business_morning(now: dt.datetime | None = None) -> dt.datetime:
    """The first business day at ``CANDOR_SEND_HOUR`` (organisation's time zone) after ``now``.

    ``now``: an aware datetime, default now. Today counts if its send hour is still
    ahead and it is a business day; otherwise the next business day. E.g. in England,
    Wednesday 24 December 2025 18:00 → Monday 29 December 09:00; Thursday 2 April 2026
    10:00 → Tuesday 7 April 09:00 (Good Friday and Easter Monday). Returns an aware
    datetime in the organisation's zone, built from the date so a DST change keeps 09:00.
    """
    now = now or timezone.now()
    zone = org_tz()
    local = now.astimezone(zone)
    hour = dt.time(settings.CANDOR_SEND_HOUR)
    day = local.date()
    if dt.datetime.combine(day, hour, tzinfo=zone) <= local:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(BusinessCalendar().next_business_day(day), hour, tzinfo=zone)


def end_of_local_day(day: dt.date, *, tz: zoneinfo.ZoneInfo | None = None) -> dt.datetime:
    """23:59:59 on ``day`` in ``tz`` (default: the organisation's zone), as an aware datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz or org_tz())


def business_deadline(
    start: dt.datetime, business_days: int, *, tz: zoneinfo.ZoneInfo | None = None
) -> dt.datetime:
    """The deadline ``business_days`` business days after ``start``: the end of that local day.

    ``start``: an aware datetime (a decision, a question asked). ``business_days``:
    a count of business days (``is_business_day``: no weekends, public holidays or
    closure days), 0 or more; the day of ``start`` itself does not count, so a start
    on Friday with 1 business day is due on Monday, and a start on Saturday or Sunday
    with 1 is due on Monday too. In England a decision on Tuesday 23 December 2025 with
    5 business days is due at the end of Friday 2 January 2026. ``tz``: the zone in
    which days are counted and the deadline falls, default the organisation's
    (``settings.TIME_ZONE``); the holidays are always the organisation's region's.
    Returns 23:59:59 of that day in ``tz``, aware. Raises ValueError for a naive
    ``start`` or a negative count.
    """
    if timezone.is_naive(start):
        raise ValueError("business_deadline needs an aware start datetime.")
    if business_days < 0:
        raise ValueError("business_days cannot be negative.")
    zone = tz or org_tz()
    start_day = start.astimezone(zone).date()
    return end_of_local_day(add_business_days(start_day, business_days), tz=zone)
