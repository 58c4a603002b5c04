"""HR edits a candidate: the page, the service, its audit and its hook (pending reminders follow a
new time zone)."""

import datetime as dt
import json
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from candidates import hooks
from candidates.models import Candidate
from candidates.services import candidate_update
from candidates.tests.factories import CandidateFactory
from core.models import AuditEvent
from feedback.models import DeliveryStatus, ReapplyReminder
from feedback.portal.services import reminder_opt_in, reminders_follow_candidate
from feedback.tests.candidate_helpers import make_letter
from hiring.tests.factories import InterviewerFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


def _post(client, candidate, **data):
    values = {
        "name": candidate.name,
        "preferred_name": candidate.preferred_name,
        "email": candidate.email,
        "phone": candidate.phone,
        "time_zone": candidate.time_zone,
        "language": candidate.language,
    }
    values.update(data)
    return client.post(reverse("candidates:candidate_edit", args=[candidate.pk]), values)


def test_hr_changes_every_detail_from_the_edit_page(client, hr_user):
    candidate = CandidateFactory(name="Rosa Rossi", email="rosa@example.com", time_zone="Europe/London")
    client.force_login(hr_user)
    page = client.get(reverse("candidates:candidate_edit", args=[candidate.pk])).content.decode()
    assert 'value="rosa@example.com"' in page and "Preferred name" in page and "Language" in page
    response = _post(
        client,
        candidate,
        name="Rosa Maria Rossi",
        preferred_name="Rosa",
        email="rosa.rossi@example.org",
        phone="+39 06 1234",
        time_zone="Europe/Rome",
        language="it",
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (
        candidate.name,
        candidate.preferred_name,
        candidate.email,
        candidate.email_key,
        candidate.phone,
        candidate.time_zone,
        candidate.language,
    ) == (
        "Rosa Maria Rossi",
        "Rosa",
        "rosa.rossi@example.org",
        "rosa.rossi@example.org",
        "+39 06 1234",
        "Europe/Rome",
        "it",
    )
    detail = client.get(response["Location"]).content.decode()
    assert "Details saved." in detail and "Italian" in detail and "Rosa" in detail


def test_the_audit_row_names_the_fields_but_keeps_no_personal_values(hr_user):
    candidate = CandidateFactory(name="Rosa Rossi", email="rosa@example.com", phone="+44 1")
    candidate_update(
        candidate=candidate, by=hr_user, name="Rosa Bianchi", email="bianchi@example.com", phone="+44 2"
    )
    event = AuditEvent.objects.get(verb="candidate.update")
    assert event.actor == hr_user and event.target_id == candidate.pk
    assert event.data["fields"] == ["email", "name", "phone"]
    stored = json.dumps(event.data, ensure_ascii=False) + event.reason
    for value in ("Rosa", "Bianchi", "rossi", "bianchi@", "+44"):
        assert value not in stored


def test_saving_unchanged_details_writes_no_audit_and_calls_no_hook(hr_user, monkeypatch):
    calls = []
    monkeypatch.setattr(hooks, "_candidate_updated_handlers", {"t": lambda **kw: calls.append(kw)})
    candidate = CandidateFactory(email="rosa@example.com")
    candidate_update(candidate=candidate, by=hr_user, name=candidate.name, email="ROSA@example.com ")
    # The same address in another case is another spelling of it, kept as typed.
    assert AuditEvent.objects.filter(verb="candidate.update").count() == 1
    assert calls[0]["changed"] == frozenset({"email"})
    candidate_update(candidate=candidate, by=hr_user, name=candidate.name, email=candidate.email)
    assert AuditEvent.objects.filter(verb="candidate.update").count() == 1
    assert len(calls) == 1


def test_hook_gets_the_saved_candidate_and_the_changed_fields(hr_user, monkeypatch):
    seen = []

    def handler(*, candidate, changed):
        seen.append((Candidate.objects.get(pk=candidate.pk).time_zone, changed))

    monkeypatch.setattr(hooks, "_candidate_updated_handlers", {})
    hooks.register_candidate_updated_handler(handler)
    hooks.register_candidate_updated_handler(handler)  # twice: still once
    candidate = CandidateFactory(time_zone="Europe/London")
    candidate_update(candidate=candidate, by=hr_user, time_zone="Asia/Tokyo", language="de")
    assert seen == [("Asia/Tokyo", frozenset({"time_zone", "language"}))]


def test_a_failing_hook_rolls_the_change_back(hr_user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(hooks, "_candidate_updated_handlers", {"broken": broken})
    candidate = CandidateFactory(name="Rosa")
    with pytest.raises(RuntimeError):
        candidate_update(candidate=candidate, by=hr_user, name="Other")
    assert Candidate.objects.get(pk=candidate.pk).name == "Rosa"
    assert not AuditEvent.objects.filter(verb="candidate.update").exists()


def test_feedback_registers_the_reminder_handler():
    assert reminders_follow_candidate in hooks.candidate_updated_handlers()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field"),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "rosa@exаmple.com", "different alphabets"),
        ("time_zone", "Mars/Olympus", "not a time zone we know"),
        ("language", "xx", "not a language we offer"),
    ],
)
def test_bad_details_are_refused_next_to_the_field(client, hr_user, field, value, message):
    candidate = CandidateFactory(name="Rosa", email="rosa@example.com")
    client.force_login(hr_user)
    response = _post(client, candidate, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Candidate.objects.get(pk=candidate.pk).email == "rosa@example.com"
    with pytest.raises(ValidationError) as exc:
        candidate_update(candidate=candidate, by=hr_user, **{field: value})
    assert field in exc.value.message_dict


@pytest.mark.parametrize("variant", ["ben@example.com", "BEN@EXAMPLE.COM", "Ｂen@example.com"])
def test_another_candidates_email_is_refused_in_words_on_the_hr_page(client, hr_user, variant):
    CandidateFactory(email="ben@example.com")
    candidate = CandidateFactory(email="rosa@example.com")
    client.force_login(hr_user)
    page = _post(client, candidate, email=variant).content.decode()
    assert "A candidate with this email already exists." in page
    assert "candidate_email" not in page and "onstraint" not in page
    assert Candidate.objects.get(pk=candidate.pk).email == "rosa@example.com"


def test_erased_candidates_cannot_be_edited(client, hr_user):
    candidate = CandidateFactory(name="Erased person", erased_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        candidate_update(candidate=candidate, by=hr_user, name="Back again")
    assert "erased" in exc.value.messages[0]
    client.force_login(hr_user)
    response = _post(client, candidate, name="Back again")
    assert response.status_code == 302
    assert "erased" in client.get(response["Location"]).content.decode()
    assert Candidate.objects.get(pk=candidate.pk).name == "Erased person"
    assert "Edit details" not in client.get(response["Location"]).content.decode()


def test_only_hr_updates_candidates():
    candidate = CandidateFactory(name="Rosa")
    with pytest.raises(ValidationError):
        candidate_update(candidate=candidate, by=InterviewerFactory(), name="Other")
    with pytest.raises(ValidationError):
        candidate_update(candidate=candidate, by=None, name="Other")  # not the candidate's own path
    assert Candidate.objects.get(pk=candidate.pk).name == "Rosa"


def test_fields_that_have_their_own_services_cannot_be_changed_here(hr_user):
    with pytest.raises(TypeError):
        candidate_update(candidate=CandidateFactory(), by=hr_user, erased_at=None)


def test_add_form_takes_preferred_name_and_language(client, hr_user):
    client.force_login(hr_user)
    response = client.post(
        reverse("candidates:candidate_create"),
        {"name": "Rosa Maria Rossi", "preferred_name": "Rosa", "email": "rosa@example.com", "language": "de"},
    )
    assert response.status_code == 302
    rosa = Candidate.objects.get()
    assert (rosa.preferred_name, rosa.language, rosa.greeting_name) == ("Rosa", "de", "Rosa")


def test_language_defaults_to_the_sites(client, hr_user, settings):
    client.force_login(hr_user)
    client.post(reverse("candidates:candidate_create"), {"name": "Ben", "email": "ben@example.com"})
    assert Candidate.objects.get().language == settings.LANGUAGE_CODE
    assert CandidateFactory().language == settings.LANGUAGE_CODE


# The reminder follows the new time zone ------------------------------------------------------


DECIDED = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@time_machine.travel(DECIDED + dt.timedelta(days=1), tick=False)
def test_changing_the_time_zone_moves_the_reminder_to_0900_there_on_the_same_date(hr_user, settings):
    settings.CANDOR_SEND_HOUR = 9
    candidate = CandidateFactory(time_zone="Europe/London")
    letter = make_letter(decided_at=DECIDED, cooldown_days=182, candidate=candidate)
    reminder = reminder_opt_in(letter=letter)
    day = reminder.send_after.astimezone(LONDON).date()
    assert reminder.send_after == dt.datetime.combine(day, dt.time(9), tzinfo=LONDON)

    candidate_update(candidate=candidate, by=hr_user, time_zone="America/Los_Angeles")

    reminder.refresh_from_db()
    assert reminder.send_after == dt.datetime.combine(day, dt.time(9), tzinfo=LOS_ANGELES)
    assert reminder.send_after.astimezone(LOS_ANGELES).hour == 9
    assert reminder.status == DeliveryStatus.SCHEDULED


@time_machine.travel(DECIDED + dt.timedelta(days=1), tick=False)
def test_the_send_hour_setting_is_honoured_and_the_edit_page_moves_it_too(client, hr_user, settings):
    settings.CANDOR_SEND_HOUR = 10
    candidate = CandidateFactory(time_zone="Europe/London")
    letter = make_letter(decided_at=DECIDED, candidate=candidate)
    reminder = reminder_opt_in(letter=letter)
    day = reminder.send_after.astimezone(LONDON).date()
    client.force_login(hr_user)
    _post(client, candidate, time_zone="Asia/Tokyo")
    reminder.refresh_from_db()
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    assert reminder.send_after == dt.datetime.combine(day, dt.time(10), tzinfo=tokyo)


@time_machine.travel(DECIDED + dt.timedelta(days=1), tick=False)
def test_reminders_already_sent_or_cancelled_stay_as_they_were(hr_user):
    candidate = CandidateFactory(time_zone="Europe/London")
    sent = reminder_opt_in(letter=make_letter(decided_at=DECIDED, candidate=candidate))
    cancelled = reminder_opt_in(letter=make_letter(decided_at=DECIDED, candidate=candidate))
    ReapplyReminder.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    ReapplyReminder.objects.filter(pk=cancelled.pk).update(status=DeliveryStatus.CANCELLED)
    candidate_update(candidate=candidate, by=hr_user, time_zone="America/Los_Angeles")
    for reminder in (sent, cancelled):
        before = reminder.send_after
        reminder.refresh_from_db()
        assert reminder.send_after == before


@time_machine.travel(DECIDED + dt.timedelta(days=1), tick=False)
def test_changing_only_the_name_leaves_the_reminder_alone(hr_user):
    candidate = CandidateFactory(time_zone="Europe/London")
    reminder = reminder_opt_in(letter=make_letter(decided_at=DECIDED, candidate=candidate))
    candidate_update(candidate=candidate, by=hr_user, name="New Name")
    before = reminder.send_after
    reminder.refresh_from_db()
    assert reminder.send_after == before
    assert not AuditEvent.objects.filter(verb="reminder.rescheduled").exists()


@pytest.mark.parametrize(
    "preferred, name, greeting",
    [
        ("", "Rosa Rossi", "Rosa"),
        ("Ro", "Rosa Rossi", "Ro"),
        ("", "Rossi, Rosa", "Rosa"),
        ("", "Dr. Ada Lovelace", "Ada"),
        ("", "Prof Grace Hopper", "Grace"),
        ("", "Ms Zoë  Chen\r\nX", "Zoë"),
        ("  Sam \n ", "Samantha Doe", "Sam"),
    ],
)
def test_the_greeting_uses_the_preferred_or_first_name_never_a_title_or_surname(preferred, name, greeting):
    from candidates.models import greeting_name_from

    assert greeting_name_from(preferred_name=preferred, name=name) == greeting
