"""Chromium through Playwright: a passkey (WebAuthn) added and used as the second factor, with
Chromium's virtual authenticator (DevTools protocol), under Candor's strict CSP: allauth's
WebAuthn script is a static file and its data a JSON block, so nothing is refused."""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, ensure_roles, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_passkey_is_added_and_then_asked_for_at_sign_in(page, live_server, settings):
    from hiring.tests.factories import InterviewerFactory

    ensure_roles()
    # http://localhost is a secure context for the browser; fido2 needs telling (tests only).
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    alice = InterviewerFactory(username="alice", first_name="Alice", last_name="Ito")
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_default_timeout(20_000)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    # Adding a factor asks for the password again first.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Recovery codes", exact=False).first).to_be_visible()
    assert Authenticator.objects.filter(user=alice, type="webauthn").count() == 1

    page.context.clear_cookies()
    log_in(page, live_server, alice)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_role("heading", name="My interviews")).to_be_visible()
    assert not refused, refused
