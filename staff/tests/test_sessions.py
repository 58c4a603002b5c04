"""Idle and absolute timeouts, sign out everywhere (staff.sessions, staff.middleware)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from hiring.tests.factories import InterviewerFactory
from staff import sessions

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PAGE = "staff:security"  # any page that needs a sign-in


def signed_in(response) -> bool:
    return response.status_code == 200


@pytest.fixture
def person(db):
    return InterviewerFactory()


@pytest.fixture
def timeouts(settings):
    settings.CANDOR_SESSION_IDLE_MINUTES = 30
    settings.CANDOR_SESSION_ABSOLUTE_HOURS = 2
    return settings


def test_idle_timeout_signs_out_and_is_audited(person, timeouts):
    with time_machine.travel(T0, tick=False) as traveller:
        client = Client()
        client.force_login(person)
        assert signed_in(client.get(reverse(PAGE)))
        traveller.shift(dt.timedelta(minutes=29))
        assert signed_in(client.get(reverse(PAGE)))  # activity keeps it alive
        traveller.shift(dt.timedelta(minutes=29))
        assert signed_in(client.get(reverse(PAGE)))
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse(PAGE))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(verb="session.timed_out", target_id=person.pk)
    assert event.data == {"reason": "idle"}


def test_absolute_timeout_ends_even_an_active_session(person, timeouts):
    with time_machine.travel(T0, tick=False) as traveller:
        client = Client()
        client.force_login(person)
        for _ in range(4):  # 0, 25, 50, 75, 100 minutes: never idle
            traveller.shift(dt.timedelta(minutes=25))
            assert signed_in(client.get(reverse(PAGE)))
        traveller.shift(dt.timedelta(minutes=21))  # 121 minutes after sign-in
        assert client.get(reverse(PAGE)).status_code == 302
    assert AuditEvent.objects.get(verb="session.timed_out", target_id=person.pk).data == {
        "reason": "absolute"
    }


def test_sign_out_everywhere_ends_another_clients_session(person):
    laptop, phone = Client(), Client()
    laptop.force_login(person)
    phone.force_login(person)
    assert signed_in(phone.get(reverse(PAGE)))
    page = laptop.get(reverse(PAGE)).content.decode()
    assert reverse("staff:signout_everywhere") in page
    response = laptop.post(reverse("staff:signout_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("staff:signed_out")
    assert phone.get(reverse(PAGE)).status_code == 302
    assert laptop.get(reverse(PAGE)).status_code == 302
    event = AuditEvent.objects.get(verb="session.signout_everywhere", target_id=person.pk)
    assert event.actor == person
    # Signing in again afterwards works (the new session carries the new epoch).
    again = Client()
    again.force_login(person)
    assert signed_in(again.get(reverse(PAGE)))


def test_sign_out_everywhere_is_post_only(person, client):
    client.force_login(person)
    assert client.get(reverse("staff:signout_everywhere")).status_code == 405
    assert signed_in(client.get(reverse(PAGE)))


def test_a_session_from_before_the_rules_is_stamped_and_kept(person, client):
    client.force_login(person)
    session = client.session
    for key in (sessions.STARTED, sessions.SEEN, sessions.EPOCH):
        del session[key]
    session.save()
    assert signed_in(client.get(reverse(PAGE)))
    assert sessions.STARTED in client.session


def test_nav_links(person, client, admin):
    client.force_login(person)
    page = client.get(reverse(PAGE)).content.decode()
    assert reverse("staff:security") in page and reverse("staff:people") not in page
    client.force_login(admin)
    assert reverse("staff:people") in client.get(reverse(PAGE)).content.decode()


def test_sign_out_everywhere_with_signed_cookie_sessions_uses_the_epoch(person, settings):
    """Cookie sessions cannot be deleted server-side: the epoch check ends them."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    laptop, phone = Client(), Client()
    laptop.force_login(person)
    phone.force_login(person)
    assert signed_in(phone.get(reverse(PAGE)))
    assert laptop.post(reverse("staff:signout_everywhere")).status_code == 302
    assert phone.get(reverse(PAGE)).status_code == 302


def test_a_short_idle_limit_never_ends_a_session_in_use(client, settings, db):
    """Fresh eyes: with CANDOR_SESSION_IDLE_MINUTES=1 a session making a request every 15 s was
    ended as idle at 60 s (its last-seen time was refreshed once a minute only)."""
    import time_machine
    from django.urls import reverse
    from django.utils import timezone

    from hiring.tests.factories import InterviewerFactory

    settings.CANDOR_SESSION_IDLE_MINUTES = 1
    user = InterviewerFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get(reverse("hiring:my_interviews")).status_code == 200
    for step in range(1, 13):  # three minutes of a request every 15 s
        with time_machine.travel(start + dt.timedelta(seconds=15 * step), tick=False):
            response = client.get(reverse("hiring:my_interviews"))
            assert response.status_code == 200, f"ended after {15 * step} s of use"
    with time_machine.travel(start + dt.timedelta(seconds=15 * 12 + 61), tick=False):
        assert client.get(reverse("hiring:my_interviews")).status_code == 302
