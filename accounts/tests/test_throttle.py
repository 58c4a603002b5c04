"""Login throttling behind a proxy that sets X-Forwarded-For (REMOTE_ADDR is the proxy's).

Five wrong passwords for someone's name from one client do not stop that person signing in
from another client; a spray of one password over many names from one client is slowed;
delays double per failure; the lockout is logged and audited without the password.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts.throttle import client_ip
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.7"
CLIENT_B = "198.51.100.23"
PASSWORD = "pw-for-tests-1"
WRONG = "Winter2026!"

behind_a_proxy = override_settings(
    AXES_ENABLED=True,
    CANDOR_TRUSTED_PROXY_COUNT=1,
    AXES_FAILURE_LIMIT=5,
    CANDOR_LOGIN_ADDRESS_FAILURE_LIMIT=10,
    CANDOR_LOGIN_USERNAME_FAILURE_LIMIT=30,
    CANDOR_LOGIN_DELAY_SECONDS=30,
)


def attempt(client, username, password, client_address):
    """A login POST as it reaches Candor through the proxy (which appends the client)."""
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{client_address}",
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.2.3.4", PROXY),  # no proxy trusted: the socket's address
        (1, "", PROXY),  # a shorter header than the proxies we trust: the socket's address
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client's own (forged) entries are ignored
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.1", "1.2.3.4"),
        (1, "not-an-address", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_nth_from_the_right(settings, count, forwarded, expected):
    settings.CANDOR_TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@behind_a_proxy
def test_an_attack_on_hr_from_one_client_does_not_stop_hr_at_another(client, hr_user, caplog):
    attacker = client.__class__()
    for _ in range(5):
        response = attempt(attacker, "hr", WRONG, CLIENT_A)
        assert not signed_in(attacker)
    # The attacker's client is now paused, even with the right password.
    paused = attempt(attacker, "hr", PASSWORD, CLIENT_A)
    assert paused.status_code == 429
    assert b"Too many failed log-in attempts" in paused.content
    assert int(paused["Retry-After"]) > 0
    assert not signed_in(attacker)
    # The real HR user, at another client behind the same proxy, signs in at once.
    response = attempt(client, "hr", PASSWORD, CLIENT_B)
    assert response.status_code == 302
    assert signed_in(client)
    # The lockout was logged and audited, and no password went anywhere.
    assert any("locking out" in r.getMessage().lower() for r in caplog.records)
    assert AuditEvent.objects.filter(verb="account.locked_out", target_id=hr_user.pk).exists()
    every_text = " ".join(r.getMessage() for r in caplog.records)
    stored = " ".join(
        f"{a.get_data} {a.post_data} {a.username} {a.ip_address}" for a in AccessAttempt.objects.all()
    )
    audited = " ".join(str(e.data) for e in AuditEvent.objects.all())
    for text in (every_text, stored, audited):
        assert WRONG not in text and PASSWORD not in text
    assert CLIENT_A in stored


@behind_a_proxy
def test_a_password_spray_from_one_client_is_slowed(client, interviewer, other_interviewer):
    for number in range(10):
        attempt(client, f"person{number}", WRONG, CLIENT_A)
    # Now even a real person's right password from that client waits...
    response = attempt(client, "alice", PASSWORD, CLIENT_A)
    assert response.status_code == 429
    assert not signed_in(client)
    # ...while the same person elsewhere is not affected.
    elsewhere = client.__class__()
    assert attempt(elsewhere, "alice", PASSWORD, CLIENT_B).status_code == 302


@behind_a_proxy
def test_the_delay_doubles_with_each_failure_and_then_ends(client, interviewer):
    for _ in range(5):
        attempt(client, "alice", WRONG, CLIENT_A)
    first = attempt(client, "alice", PASSWORD, CLIENT_A)
    assert 25 <= int(first["Retry-After"]) <= 30
    # Time passes (the last failure is 31 seconds old): one more try is let through, fails,
    # and the next delay is twice as long.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(seconds=31)
    )
    attempt(client, "alice", WRONG, CLIENT_A)
    assert AccessAttempt.objects.get().failures_since_start == 6
    second = attempt(client, "alice", PASSWORD, CLIENT_A)
    assert 55 <= int(second["Retry-After"]) <= 60
    # Refused attempts during a delay do not lengthen it.
    attempt(client, "alice", WRONG, CLIENT_A)
    assert 55 <= int(attempt(client, "alice", PASSWORD, CLIENT_A)["Retry-After"]) <= 60
    # After the delay the right password works, and clears this pair's failures.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(seconds=61)
    )
    assert attempt(client, "alice", PASSWORD, CLIENT_A).status_code == 302
    assert not AccessAttempt.objects.filter(username="alice", ip_address=CLIENT_A).exists()


@behind_a_proxy
@override_settings(CANDOR_LOGIN_USERNAME_FAILURE_LIMIT=8, CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS=60)
def test_a_distributed_attack_on_one_name_is_slowed_briefly(client, interviewer):
    for number in range(8):
        attempt(client.__class__(), "alice", WRONG, f"192.0.2.{number + 1}")
    response = attempt(client, "alice", PASSWORD, CLIENT_B)
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60


@behind_a_proxy
@override_settings(CANDOR_LOGIN_GLOBAL_FAILURE_LIMIT=6)
def test_under_a_wide_attack_one_failure_pauses_an_address(client, interviewer):
    for number in range(6):
        attempt(client.__class__(), f"name{number}", WRONG, f"192.0.2.{number + 1}")
    attempt(client, "alice", WRONG, CLIENT_B)
    assert attempt(client, "alice", PASSWORD, CLIENT_B).status_code == 429
    # Someone who types the right password first time is not stopped.
    assert attempt(client.__class__(), "alice", PASSWORD, "198.51.100.99").status_code == 302


@behind_a_proxy
@pytest.mark.parametrize("variants", [("hr", "HR", "Hr", "hR", " hr"), ("hr", "ＨＲ", "hr ", "Hr", "HR")])
def test_changing_the_username_case_does_not_get_round_the_throttle(client, hr_user, variants):
    """Fresh eyes: sign-in matched "HR" to "hr" but the throttle counted each spelling apart, so an
    attacker cycling the case was never slowed (and a real user's limit filled instead)."""
    attacker = client.__class__()
    for name in variants:
        attempt(attacker, name, WRONG, CLIENT_A)
    paused = attempt(attacker, "Hr", PASSWORD, CLIENT_A)
    assert paused.status_code == 429
    assert not signed_in(attacker)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"hr"}
