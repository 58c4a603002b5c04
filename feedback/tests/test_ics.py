"""The reapply date as an .ics file, checked by parsing it with the icalendar package."""

import datetime as dt

import pytest
import time_machine
from icalendar import Calendar

from feedback.tests.candidate_helpers import make_letter, url

pytestmark = pytest.mark.django_db

DECIDED = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def _event(response):
    cal = Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


@time_machine.travel(DECIDED + dt.timedelta(days=1), tick=False)
def test_ics_is_one_all_day_event_on_the_reapply_date(client):
    letter = make_letter(decided_at=DECIDED, cooldown_days=182)
    response = client.get(url("calendar", letter), follow=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="reapply-2026-08-31.ics"'
    assert b"\r\n" in response.content  # RFC 5545 line endings
    cal, event = _event(response)
    assert str(cal["VERSION"]) == "2.0"
    assert cal["PRODID"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert type(start) is dt.date and type(end) is dt.date  # all day: VALUE=DATE
    assert (start, end) == (dt.date(2026, 8, 31), dt.date(2026, 9, 1))
    assert b"DTSTART;VALUE=DATE:20260831" in response.content
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert "reapply" in str(event["SUMMARY"]).lower()
    description = str(event["DESCRIPTION"])
    assert "http://testserver/c/reapply/" in description
    reapply_link = description.split("Reapply: ")[1].strip()
    assert client.get(reapply_link.removeprefix("http://testserver"), follow=True).status_code == 200


def test_uid_is_stable_across_downloads(client):
    letter = make_letter()
    _, first = _event(client.get(url("calendar", letter), follow=True))
    _, second = _event(client.get(url("calendar", letter), follow=True))
    assert str(first["UID"]) == str(second["UID"])
    assert str(letter.public_id) in str(first["UID"])
    other = make_letter()
    _, third = _event(client.get(url("calendar", other), follow=True))
    assert str(third["UID"]) != str(first["UID"])


def test_ics_carries_no_personal_data(client):
    letter = make_letter()
    content = client.get(url("calendar", letter), follow=True).content.decode()
    candidate = letter.application.candidate
    assert candidate.name not in content
    assert candidate.email not in content


def test_job_title_with_commas_and_newlines_stays_one_valid_event(client):
    letter = make_letter()
    job = letter.application.job
    job.title = "Engineer, Platform; Team\nLead"
    job.save()
    _, event = _event(client.get(url("calendar", letter), follow=True))
    assert "Engineer, Platform; Team\nLead" in str(event["DESCRIPTION"])
