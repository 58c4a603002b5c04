"""Business days: weekends, the organisation's public holidays and HR's closure days are skipped."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.urls import reverse

from core import dates
from core.audit import audit_for
from core.closures import closure_day_add, closure_day_remove
from core.dates import (
    business_deadline,
    holiday_region,
    is_business_day,
    next_business_morning,
    region_for_time_zone,
)
from core.models import AuditEvent, ClosureDay
from hiring.tests.factories import InterviewerFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def england(settings):
    """The organisation's defaults: Europe/London, country and region derived from it."""
    settings.TIME_ZONE = "Europe/London"
    settings.CANDOR_COUNTRY = ""
    settings.CANDOR_SUBDIVISION = ""
    settings.CANDOR_SEND_HOUR = 9


# The cases of issue 12 (England) ---------------------------------------------------------------


def test_five_business_days_from_tuesday_23_december_2025_end_on_friday_2_january():
    # Christmas Day, Boxing Day, the weekend and New Year's Day do not count.
    assert business_deadline(london(2025, 12, 23, 15, 0), 5) == london(2026, 1, 2, 23, 59, 59)


def test_next_business_morning_after_christmas_eve_evening_is_monday_29_december():
    assert next_business_morning(london(2025, 12, 24, 18, 0)) == london(2025, 12, 29, 9, 0)


def test_next_business_morning_after_maundy_thursday_skips_good_friday_and_easter_monday():
    assert next_business_morning(london(2026, 4, 2, 10, 0)) == london(2026, 4, 7, 9, 0)


# Neighbours ------------------------------------------------------------------------------------


def test_before_the_send_hour_a_business_day_is_its_own_next_morning():
    assert next_business_morning(london(2025, 12, 24, 8, 0)) == london(2025, 12, 24, 9, 0)
    assert next_business_morning(london(2026, 4, 2, 8, 59)) == london(2026, 4, 2, 9, 0)


def test_on_a_holiday_morning_the_next_business_morning_is_after_it():
    assert next_business_morning(london(2025, 12, 25, 7, 0)) == london(2025, 12, 29, 9, 0)
    assert next_business_morning(london(2026, 1, 1, 8, 0)) == london(2026, 1, 2, 9, 0)


def test_weekends_are_not_business_days():
    saturday = london(2026, 3, 7, 10, 0)
    assert next_business_morning(saturday) == london(2026, 3, 9, 9, 0)
    assert next_business_morning(london(2026, 3, 6, 18, 0)) == london(2026, 3, 9, 9, 0)
    assert business_deadline(london(2026, 3, 6, 18, 0), 1).date() == dt.date(2026, 3, 9)
    assert not is_business_day(dt.date(2026, 3, 7)) and not is_business_day(dt.date(2026, 3, 8))
    assert is_business_day(dt.date(2026, 3, 9))


def test_a_substitute_holiday_counts_boxing_day_2026_is_observed_on_monday_28_december():
    assert not is_business_day(dt.date(2026, 12, 28))
    assert next_business_morning(london(2026, 12, 24, 18, 0)) == london(2026, 12, 29, 9, 0)


def test_a_deadline_with_no_holiday_in_reach_counts_weekdays_only():
    assert business_deadline(london(2026, 3, 3, 12, 0), 5).date() == dt.date(2026, 3, 10)
    assert business_deadline(london(2026, 3, 3, 12, 0), 0).date() == dt.date(2026, 3, 3)


def test_the_send_hour_stays_local_across_a_clock_change():
    # The clocks go forward on Sunday 29 March 2026.
    assert next_business_morning(london(2026, 3, 27, 18, 0)) == london(2026, 3, 30, 9, 0)
    assert next_business_morning(london(2026, 3, 27, 18, 0)).utcoffset() == dt.timedelta(hours=1)


# Closure days ----------------------------------------------------------------------------------


@time_machine.travel(london(2025, 12, 1, 10, 0), tick=False)
def test_a_closure_day_added_by_hr_is_skipped_by_deadlines_and_send_times(hr_user):
    closure_day_add(by=hr_user, day=dt.date(2025, 12, 29), label="Office closed between the holidays")
    assert not is_business_day(dt.date(2025, 12, 29))
    assert next_business_morning(london(2025, 12, 24, 18, 0)) == london(2025, 12, 30, 9, 0)
    assert business_deadline(london(2025, 12, 23, 15, 0), 5) == london(2026, 1, 5, 23, 59, 59)


@time_machine.travel(london(2025, 12, 1, 10, 0), tick=False)
def test_removing_a_closure_day_makes_it_a_business_day_again_and_both_are_audited(hr_user):
    closure = closure_day_add(by=hr_user, day=dt.date(2025, 12, 29), label="Office move")
    closure_day_remove(by=hr_user, closure=closure)
    assert is_business_day(dt.date(2025, 12, 29))
    assert not ClosureDay.objects.exists()
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", "actor_id", "data"))
    assert verbs == [
        ("closure_day.added", hr_user.pk, {"day": "2025-12-29", "label": "Office move"}),
        ("closure_day.removed", hr_user.pk, {"day": "2025-12-29", "label": "Office move"}),
    ]


def test_a_closure_day_counts_in_the_year_it_falls_in_not_only_the_first_one(hr_user):
    with time_machine.travel(london(2025, 12, 1, 10, 0), tick=False):
        closure_day_add(by=hr_user, day=dt.date(2026, 1, 2), label="Bridge day")
    assert business_deadline(london(2025, 12, 23, 15, 0), 5) == london(2026, 1, 5, 23, 59, 59)


@time_machine.travel(london(2025, 12, 1, 10, 0), tick=False)
@pytest.mark.parametrize(
    ("day", "message"),
    [
        (dt.date(2025, 12, 25), "25 December 2025 is not a business day anyway (Christmas Day)."),
        (dt.date(2025, 12, 27), "27 December 2025 is not a business day anyway (Saturday)."),
        (dt.date(2025, 11, 28), "Closure days are for today or later: past deadlines do not move."),
    ],
)
def test_a_closure_day_that_would_change_nothing_is_refused_with_the_reason(hr_user, day, message):
    with pytest.raises(ValidationError) as refused:
        closure_day_add(by=hr_user, day=day, label="Closed")
    assert refused.value.message_dict == {"day": [message]}
    assert not ClosureDay.objects.exists()
    assert not AuditEvent.objects.exists()


@time_machine.travel(london(2025, 12, 1, 10, 0), tick=False)
def test_the_same_closure_day_twice_is_refused_and_only_hr_may_add_or_remove(hr_user):
    closure = closure_day_add(by=hr_user, day=dt.date(2025, 12, 29), label="Office move")
    with pytest.raises(ValidationError) as refused:
        closure_day_add(by=hr_user, day=dt.date(2025, 12, 29), label="Again")
    assert refused.value.message_dict == {"day": ["29 December 2025 is already a closure day (Office move)."]}
    interviewer = InterviewerFactory()
    with pytest.raises(PermissionDenied):
        closure_day_add(by=interviewer, day=dt.date(2025, 12, 30), label="Mine")
    with pytest.raises(PermissionDenied):
        closure_day_remove(by=interviewer, closure=closure)
    assert list(ClosureDay.objects.values_list("day", flat=True)) == [dt.date(2025, 12, 29)]


@time_machine.travel(london(2025, 12, 1, 10, 0), tick=False)
def test_hr_lists_adds_and_removes_closure_days_on_their_page(client, hr_user):
    client.force_login(hr_user)
    page = client.get(reverse("core:closure_days"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'href="/hr/closure-days/"' in body  # in the HR menu
    assert "Counted automatically for GB (ENG)" in body
    assert "Thu 25 Dec 2025: Christmas Day" in body
    assert "No closure days to come." in body

    response = client.post(reverse("core:closure_days"), {"day": "2025-12-29", "label": "Office move"})
    assert response.status_code == 302
    closure = ClosureDay.objects.get()
    assert (closure.day, closure.label, closure.created_by) == (dt.date(2025, 12, 29), "Office move", hr_user)
    assert [e.verb for e in audit_for(closure)] == ["closure_day.added"]
    body = client.get(reverse("core:closure_days")).content.decode()
    assert "Monday 29 December 2025" in body and "Office move" in body

    refused = client.post(reverse("core:closure_days"), {"day": "2025-12-26", "label": "Closed"})
    assert refused.status_code == 200
    assert "26 December 2025 is not a business day anyway (Boxing Day)." in refused.content.decode()
    empty = client.post(reverse("core:closure_days"), {"day": "not a date", "label": ""})
    assert "Enter a date, e.g. 2026-12-24." in empty.content.decode()
    assert "This field is required." in empty.content.decode()
    assert ClosureDay.objects.count() == 1

    response = client.post(reverse("core:closure_day_remove", args=[closure.pk]))
    assert response.status_code == 302
    assert not ClosureDay.objects.exists()


def test_the_closure_days_page_is_hr_only(client):
    client.force_login(InterviewerFactory())
    assert client.get(reverse("core:closure_days")).status_code == 404
    assert client.post(reverse("core:closure_days"), {"day": "2030-01-02", "label": "x"}).status_code == 404
    assert not ClosureDay.objects.exists()


# Which country and region ---------------------------------------------------------------------


def test_the_region_is_derived_from_the_time_zone():
    assert region_for_time_zone("Europe/London") == ("GB", "ENG")
    assert region_for_time_zone("Europe/Berlin") == ("DE", "")
    assert region_for_time_zone("America/New_York") == ("US", "")
    assert region_for_time_zone("Australia/Sydney") == ("AU", "NSW")
    assert region_for_time_zone("UTC") == ("", "")
    assert holiday_region() == ("GB", "ENG")


def test_settings_override_the_derived_region(settings):
    settings.CANDOR_COUNTRY = "de"
    settings.CANDOR_SUBDIVISION = "by"
    assert dates.check_holiday_region() == ("DE", "BY")
    settings.CANDOR_COUNTRY = ""
    settings.CANDOR_SUBDIVISION = "SCT"
    assert holiday_region() == ("GB", "SCT")
    settings.TIME_ZONE = "Europe/Berlin"
    settings.CANDOR_SUBDIVISION = ""
    assert holiday_region() == ("DE", "")


def test_bavaria_counts_its_own_holidays_and_england_does_not(settings):
    # Epiphany (Tuesday 6 January 2026) and Corpus Christi (Thursday 4 June 2026) in Bavaria.
    monday = london(2026, 1, 5, 12, 0)
    assert business_deadline(monday, 1).date() == dt.date(2026, 1, 6)
    settings.TIME_ZONE = "Europe/Berlin"
    settings.CANDOR_COUNTRY = "DE"
    settings.CANDOR_SUBDIVISION = "BY"
    assert business_deadline(dt.datetime(2026, 1, 5, 12, 0, tzinfo=BERLIN), 1).date() == dt.date(2026, 1, 7)
    assert not is_business_day(dt.date(2026, 6, 4))
    # Berlin without a subdivision: nationwide holidays only, so Epiphany is a working day.
    settings.CANDOR_SUBDIVISION = ""
    assert is_business_day(dt.date(2026, 1, 6))
    assert not is_business_day(dt.date(2026, 5, 1))  # Labour Day, a Friday


def test_scotland_keeps_2_january_and_england_does_not(settings):
    assert is_business_day(dt.date(2026, 1, 2))
    settings.CANDOR_SUBDIVISION = "SCT"
    assert not is_business_day(dt.date(2026, 1, 2))


def test_a_zone_without_a_country_counts_weekends_only(settings):
    settings.TIME_ZONE = "UTC"
    assert is_business_day(dt.date(2025, 12, 25))
    assert not is_business_day(dt.date(2025, 12, 27))


def test_an_unknown_country_or_region_is_a_configuration_error_that_says_which(settings):
    settings.CANDOR_COUNTRY = "XX"
    with pytest.raises(ImproperlyConfigured, match="CANDOR_COUNTRY='XX'"):
        is_business_day(dt.date(2026, 1, 2))
    settings.CANDOR_COUNTRY = "GB"
    settings.CANDOR_SUBDIVISION = "Mars"
    with pytest.raises(ImproperlyConfigured, match="CANDOR_SUBDIVISION='Mars' is not a subdivision of GB"):
        is_business_day(dt.date(2026, 1, 2))


def test_manage_py_check_names_an_unknown_country_at_start(settings):
    assert dates.check_business_day_settings() == []
    settings.CANDOR_COUNTRY = "XX"
    (error,) = dates.check_business_day_settings()
    assert error.id == "candor.E020"
    assert "CANDOR_COUNTRY='XX'" in error.msg
