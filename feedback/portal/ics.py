"""The reapply date as a calendar file (RFC 5545): one all-day event."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from feedback import links
from feedback.portal.selectors import reapply_date


def reapply_ics(letter, *, now: dt.datetime | None = None) -> bytes:
    """An all-day VEVENT on the reapply date the letter gives (``reapply_date``: fixed when
    the letter was approved). The UID is stable per letter, so importing the file twice
    updates one event rather than adding two. The reapply link inside is signed now and
    works at least until the reapply date plus ``CANDOR_LINK_GRACE_DAYS``
    (``feedback.portal.selectors.link_expires_at``). SUMMARY and DESCRIPTION are in the
    active language (the candidate's page's: ``feedback.portal.i18n``), marked with LANGUAGE."""
    day = reapply_date(letter)
    link = links.reapply_url(letter)
    org = settings.CANDOR_ORG_NAME
    domain = settings.CANDOR_BASE_URL.split("://")[-1].split("/")[0].split(":")[0] or "candor.invalid"

    cal = Calendar()
    cal.add("prodid", "-//Candor//Reapply reminder//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")

    event = Event()
    event.add("uid", f"reapply-{letter.public_id}@{domain}")
    event.add("dtstamp", (now or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", day)  # a date, not a datetime: VALUE=DATE, all day
    event.add("dtend", day + dt.timedelta(days=1))
    language = get_language() or settings.LANGUAGE_CODE
    event.add(
        "summary", _("You can reapply to %(org_name)s") % {"org_name": org}, parameters={"LANGUAGE": language}
    )
    description = _(
        "From today you can apply to %(org_name)s again for the %(job_title)s role or another open role."
    ) % {"org_name": org, "job_title": letter.application.job.title}
    reapply = _("Reapply: %(link)s") % {"link": link}
    event.add("description", f"{description}\n{reapply}", parameters={"LANGUAGE": language})
    event.add("url", link)
    event.add("transp", "TRANSPARENT")  # an all-day note, not busy time
    cal.add_component(event)
    return cal.to_ical()


def ics_filename(letter) -> str:
    return f"reapply-{reapply_date(letter):%Y-%m-%d}.ics"
