"""Chromium through Playwright: the API reference page (Swagger UI from the sidecar's files)
renders under the site's strict CSP with no violation, and an Admin makes a token in the app."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in as _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reference_page_renders_under_the_csp(page, live_server, groups):
    from hiring.tests.factories import HRFactory

    page.set_default_timeout(15_000)
    problems = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused" in msg.text
            else None
        ),
    )
    _login(page, live_server, HRFactory(username="hana"))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Candor API")
    expect(page.locator(".opblock-summary-path", has_text="/api/letters/{id}/approve/")).to_be_visible()
    assert problems == []


def test_admin_creates_a_token_and_sees_the_key_once(page, live_server, groups):
    from api.models import ApiToken
    from hiring.tests.factories import AdminFactory, HRFactory

    page.set_default_timeout(10_000)
    HRFactory(username="hana", first_name="Hana", last_name="Reyes")
    _login(page, live_server, AdminFactory(username="ada"))
    page.goto(f"{live_server.url}/staff/people/")
    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(f"{live_server.url}/api/tokens/")
    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Name").fill("Greenhouse sync")
    page.get_by_label("Read and write").check()
    page.get_by_label("Acts as").select_option(label="Hana Reyes (HR)")
    page.get_by_label("All jobs").check()
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("Key").input_value()
    token = ApiToken.objects.get(name="Greenhouse sync")
    assert key.startswith(f"cnd_{token.prefix}_")
    page.get_by_role("link", name="Back to API tokens").click()
    expect(page.get_by_role("cell", name="Greenhouse sync", exact=True)).to_be_visible()
    assert key not in page.content()
    page.get_by_role("button", name="Revoke token Greenhouse sync").click()
    expect(page.get_by_role("cell", name="Revoked", exact=False)).to_be_visible()
