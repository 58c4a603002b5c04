"""The accounts pages are valid HTML (Nu Html Checker) and carry the strict CSP."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.support.quality_tools import require, vnu_check

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def _pages(interviewer) -> dict[str, str]:
    from hiring.tests.factories import AdminFactory

    anonymous = Client()
    pages = {
        "login": anonymous.get(reverse("login")),
        "password reset": anonymous.get(reverse("account_reset_password")),
        "password reset done": anonymous.get(reverse("account_reset_password_done")),
        "reset link that does not work": anonymous.get(
            reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x"}), follow=True
        ),
        "sign-up closed": anonymous.get(reverse("account_signup")),
    }
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=1):
        locked = Client()
        locked.post(reverse("login"), {"username": "alice", "password": "wrong"})
        pages["paused"] = locked.post(reverse("login"), {"username": "alice", "password": "wrong"})
    staff = Client()
    staff.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    pages["two-factor"] = staff.get(reverse("mfa_index"))
    pages["reauthenticate"] = staff.get(reverse("account_reauthenticate"))
    staff.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    pages["authenticator app"] = staff.get(reverse("mfa_activate_totp"))
    pages["passkey"] = staff.get(reverse("mfa_add_webauthn"))
    pages["passkeys"] = staff.get(reverse("mfa_list_webauthn"))
    pages["change password"] = staff.get(reverse("account_change_password"))
    pages["logout"] = staff.get(reverse("logout"))
    admin = Client()
    admin.force_login(AdminFactory(username="ada"))
    pages["security policy"] = admin.get(reverse("accounts_security_policy"))
    for name, response in pages.items():
        assert response.status_code in (200, 429), f"{name}: {response.status_code}"
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, name
    return {name: response.content.decode() for name, response in pages.items()}


def test_accounts_pages_are_valid_html(interviewer):
    require("vnu")
    errors = vnu_check({f"page: {name}": html for name, html in _pages(interviewer).items()})
    assert not errors, "Nu Html Checker errors:\n" + "\n".join(str(e) for e in errors)
