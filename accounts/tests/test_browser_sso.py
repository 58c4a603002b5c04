"""Chromium through Playwright: an interviewer signs in through the local OpenID Connect
provider (a second process) and lands on "My interviews", under Candor's strict CSP."""

import pytest
from playwright.sync_api import expect

from accounts.tests.conftest import CALLBACK, IDP_USERS
from tests.e2e.helpers import ensure_roles
from tests.support.oidc_provider.process import PASSWORD, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser_idp(tmp_path_factory, live_server):
    port = live_server.url.rsplit(":", 1)[1]
    uris = [f"http://{host}:{port}{CALLBACK}" for host in ("localhost", "127.0.0.1")]
    with running_provider(tmp_path_factory.mktemp("idp"), redirect_uris=uris, users=IDP_USERS) as provider:
        yield provider


def test_an_interviewer_signs_in_through_the_identity_provider(page, live_server, browser_idp, settings):
    from hiring.tests.factories import InterviewerFactory

    ensure_roles()
    settings.SOCIALACCOUNT_PROVIDERS = browser_idp.app_settings(name="Company SSO")
    InterviewerFactory(username="alice", first_name="Alice", last_name="Ito", email="alice@candor.example")
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.set_default_timeout(20_000)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Company SSO").click()
    page.get_by_label("IdP username").fill("alice.idp")
    page.get_by_label("IdP password").fill(PASSWORD)
    page.get_by_role("button", name="Continue to the application").click()

    expect(page.get_by_role("heading", name="My interviews")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert not refused, refused
