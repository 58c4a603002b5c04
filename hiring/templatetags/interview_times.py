"""``{{ interview.scheduled_at|interview_time }}``: an interview's time with its time zone.

Shown in the viewer's current time zone (Django's active zone: the organisation's,
``settings.TIME_ZONE``, unless a middleware activated the viewer's), labelled with the zone's
abbreviation, e.g. "Tue 3 Dec 2026, 14:00 CET", so nobody guesses which clock it is on.
"""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()

INTERVIEW_TIME_FORMAT = "D j M Y, H:i T"


@register.filter
def interview_time(value, empty: str = "not scheduled") -> str:
    """An aware datetime as "Tue 3 Dec 2026, 14:00 CET" in the active time zone; ``empty`` for None.

    A naive value (not expected: ``USE_TZ`` is on) is shown as given, without a zone label.
    """
    if value is None:
        return empty
    if timezone.is_naive(value):
        return date_format(value, "D j M Y, H:i")
    return date_format(timezone.localtime(value), INTERVIEW_TIME_FORMAT)


@register.simple_tag
def time_zone_label() -> str:
    """The active time zone's name and current abbreviation, e.g. "Europe/London (GMT)"."""
    now = timezone.localtime(timezone.now())
    return f"{timezone.get_current_timezone_name()} ({now.strftime('%Z')})"
