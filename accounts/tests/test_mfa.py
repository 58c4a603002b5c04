"""Two-factor: the TOTP flow end to end (codes computed from the secret with allauth's own
helpers), recovery codes, the policy that requires 2FA for HR/Admin, and its audit rows."""

import datetime as dt
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.middleware import ALLOWED_PREFIXES
from core.models import AuditEvent
from tests.support.authz import OK, admin_expectation
from tests.test_authz_matrix import all_cases, world  # noqa: F401 - the matrix's world fixture

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def _tolerant_totp(settings):
    """One period either side, so that a code computed just before a 30-second boundary holds."""
    settings.MFA_TOTP_TOLERANCE = 1


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def reauthenticate(client) -> None:
    """Give the password again (allauth asks before any change of second factors)."""
    answer = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert answer.status_code == 302, answer.content[:1000]


def activate_totp(client) -> str:
    """Activate TOTP for the signed-in user through allauth's pages; return the secret."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    answer = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert answer.status_code == 302, answer.content[:1000]
    return secret


def verbs(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="auth.user", target_id=user.pk).values_list("verb", flat=True)
    )


def test_the_totp_flow_from_setup_to_sign_in(client, interviewer, django_capture_on_commit_callbacks):
    # allauth sends its 2FA signals after the commit: run those callbacks where a step commits.
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    assert log_in(client, "alice").status_code == 302
    # Changing second factors first asks for the password again.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    assert page.status_code == 200
    # A wrong code: the form again, nothing saved.
    wrong = client.post(
        reverse("mfa_activate_totp"), {"code": "000000" if totp_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=interviewer).exists()
    # The right code: TOTP and recovery codes, both audited.
    with committed():
        assert client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}).status_code == 302
    kinds = set(Authenticator.objects.filter(user=interviewer).values_list("type", flat=True))
    assert kinds == {"totp", "recovery_codes"}
    assert "account.2fa_added" in verbs(interviewer)

    # Signing in again now asks for the second factor; the password alone opens nothing.
    client.logout()
    answer = log_in(client, "alice")
    assert answer.status_code == 302 and answer["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("hiring:my_interviews"))["Location"].startswith(reverse("login"))
    # A wrong code is refused (and audited); the right one signs in.
    refused = client.post(reverse("mfa_authenticate"), {"code": "12345x"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(verb="account.sign_in_failed", data__reason="second_factor").exists()
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(interviewer.pk)
    last = AuditEvent.objects.filter(verb="account.signed_in", target_id=interviewer.pk).first()
    assert last.data["method"] == "password+2fa"

    # Recovery codes regenerated, then TOTP removed: audited.
    reauthenticate(client)
    with committed():
        assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    with committed():
        assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert "account.recovery_codes_regenerated" in verbs(interviewer)
    assert "account.2fa_removed" in verbs(interviewer)


def test_a_recovery_code_signs_in_once(client, interviewer):
    log_in(client, "alice")
    activate_totp(client)
    codes = Authenticator.objects.get(user=interviewer, type="recovery_codes").wrap().get_unused_codes()
    client.logout()
    log_in(client, "alice")
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.session["_auth_user_id"] == str(interviewer.pk)
    client.logout()
    log_in(client, "alice")
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "_auth_user_id" not in client.session


def test_hr_with_required_2fa_reaches_no_hr_page_before_the_second_factor(client, world, settings):  # noqa: F811
    settings.CANDOR_REQUIRE_2FA_ROLES = ["HR"]
    hr = world.users["hr"]
    assert log_in(client, hr.username).status_code == 302
    opened, unbuilt = 0, []
    for name, case in sorted(all_cases().items()):
        expect = {**case.expect, "admin": admin_expectation(case.expect)}
        if expect["hr"] != OK:
            continue
        try:
            url = case.url(world)
        except Exception:  # noqa: BLE001 - a case whose world the matrix itself cannot build
            unbuilt.append(name)
            continue
        if expect["hr"] != OK or url.startswith(ALLOWED_PREFIXES):
            continue
        if case.method == "post":
            data = case.data(world) if callable(case.data) else case.data
            response = client.post(url, data)
        else:
            response = client.get(url)
        assert response.status_code == 302, f"{name}: {response.status_code}"
        assert response["Location"] == reverse("mfa_index"), f"{name}: {response['Location']}"
        opened += 1
    assert opened > 20 and len(unbuilt) <= 2, unbuilt
    # An htmx request is told to go there too, not given the page as a fragment.
    fragment = client.get(reverse("feedback:hr_home"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204 and fragment["HX-Redirect"] == reverse("mfa_index")
    # The 2FA page itself says why.
    assert b"requires two-factor authentication" in client.get(reverse("mfa_index")).content

    # With TOTP set up, HR works; the next sign-in asks for the code before any page.
    secret = activate_totp(client)
    assert client.get(reverse("feedback:hr_home")).status_code == 200
    client.logout()
    answer = log_in(client, hr.username)
    assert answer["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("feedback:hr_home"))["Location"].startswith(reverse("login"))
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 302
    assert client.get(reverse("feedback:hr_home")).status_code == 200


def test_the_policy_does_not_touch_other_roles(client, interviewer, settings):
    settings.CANDOR_REQUIRE_2FA_ROLES = ["HR", "Admin"]
    log_in(client, "alice")
    assert client.get(reverse("hiring:my_interviews")).status_code == 200


def test_an_admin_requires_2fa_for_hr_in_the_app(client, hr_user):
    from hiring.tests.factories import AdminFactory

    admin = AdminFactory(username="ada")
    client.force_login(admin)
    page = client.get(reverse("accounts_security_policy"))
    assert page.status_code == 200
    answer = client.post(reverse("accounts_security_policy"), {"require_2fa_for_hr": "on"})
    assert answer.status_code == 302
    event = AuditEvent.objects.get(verb="security_policy.changed")
    assert event.actor == admin and event.data["after"] == {"hr": True, "admin": False}
    # The Admin is not yet required to (the Admin box is off); HR is.
    assert client.get(reverse("accounts_security_policy")).status_code == 200
    client.force_login(hr_user)
    assert client.get(reverse("feedback:hr_home"))["Location"] == reverse("mfa_index")


def test_the_last_second_factor_cannot_be_removed_while_required(client, interviewer, settings):
    log_in(client, "alice")
    activate_totp(client)
    settings.CANDOR_REQUIRE_2FA_ROLES = ["Interviewer"]
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=interviewer, type="totp").exists()
    settings.CANDOR_REQUIRE_2FA_ROLES = []
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=interviewer, type="totp").exists()


def test_set_security_policy_clears_the_cached_policy(hr_user):
    from accounts import policy

    assert not policy.requires_2fa(hr_user)
    services.set_security_policy(None, require_2fa_for_hr=True, require_2fa_for_admin=False)
    hr_user = type(hr_user).objects.get(pk=hr_user.pk)
    assert policy.requires_2fa(hr_user)


def test_the_2fa_page_shows_admins_the_way_to_the_policy(client, interviewer):
    from hiring.tests.factories import AdminFactory

    client.force_login(interviewer)
    assert reverse("accounts_security_policy") not in client.get(reverse("mfa_index")).content.decode()
    client.force_login(AdminFactory(username="ada"))
    assert reverse("accounts_security_policy") in client.get(reverse("mfa_index")).content.decode()


def test_wrong_codes_slow_down_like_passwords_and_signing_in_again_does_not_reset_them(
    client, interviewer, settings
):
    """Fresh eyes: 114 wrong codes in a row were all just "Incorrect code."; a 6-digit code can
    be guessed that way. Past the failure limit the account waits, doubling, from any session."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.CANDOR_LOGIN_DELAY_SECONDS = 30
    assert log_in(client, "alice").status_code == 302
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}).status_code == 302
    client.logout()

    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    assert log_in(client, "alice")["Location"] == reverse("mfa_authenticate")
    for _ in range(3):
        page = client.post(reverse("mfa_authenticate"), {"code": wrong}).content.decode()
        assert "Too many wrong codes" not in page
    # Now even the right code waits: nothing is compared while the delay runs.
    page = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).content.decode()
    assert "Too many wrong codes. Wait 30 seconds" in page
    assert "_auth_user_id" not in client.session
    # Starting the sign-in again (a new session) does not start the count again.
    client.logout()
    assert log_in(client, "alice")["Location"] == reverse("mfa_authenticate")
    assert (
        "Too many wrong codes" in client.post(reverse("mfa_authenticate"), {"code": wrong}).content.decode()
    )
    # After the wait the right code signs in, and the count is cleared.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 302
    assert client.session["_auth_user_id"] == str(interviewer.pk)
