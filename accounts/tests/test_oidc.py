"""Single sign-on through a real OpenID Connect provider (django-oauth-toolkit in a second
process: tests/support/oidc_provider), driven with Django's test client on Candor's side and
plain HTTP on the provider's (its login form, consent skipped)."""

from urllib.parse import urljoin, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.tests.conftest import CALLBACK
from core.models import AuditEvent
from tests.support.oidc_provider.process import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in_at_provider(client, idp, username: str):
    """Start SSO at Candor, sign in at the provider as ``username``; return Candor's answer to
    the provider's redirect back (the callback)."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "sso"}))
    assert start.status_code == 302, start.content[:500]
    browser = requests.Session()
    answer = browser.get(start["Location"], allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]
    login_url = urljoin(idp.url, answer.headers["Location"])
    browser.get(login_url, timeout=30)
    next_url = dict(part.split("=", 1) for part in urlsplit(login_url).query.split("&"))["next"]
    answer = browser.post(
        login_url,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["idp_csrftoken"],
            "next": requests.utils.unquote(next_url),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    answer = browser.get(urljoin(idp.url, answer.headers["Location"]), allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    back = answer.headers["Location"]
    assert back.startswith(f"http://testserver{CALLBACK}?"), back
    return client.get(back[len("http://testserver") :])


@pytest.fixture
def sso(settings, idp):
    settings.SOCIALACCOUNT_PROVIDERS = idp.app_settings()
    return idp


def test_login_page_offers_the_configured_provider(client, sso):
    response = client.get(reverse("login"))
    page = response.content.decode()
    assert "Sign in with Company SSO" in page
    assert reverse("openid_connect_login", kwargs={"provider_id": "sso"}) in page
    # The SSO form is redirected to the provider: the CSP's form-action names its origin.
    csp = response["Content-Security-Policy"]
    assert f"form-action 'self' {sso.url}" in csp
    assert "unsafe-inline" not in csp


def test_sso_still_asks_for_the_second_factor(client, sso, interviewer):
    from allauth.mfa.totp.internal.auth import TOTP

    interviewer.email = "alice@candor.example"
    interviewer.save()
    TOTP.activate(interviewer, "JBSWY3DPEHPK3PXP")
    answer = sign_in_at_provider(client, sso, "alice.idp")
    assert answer.status_code == 302 and answer["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_a_known_user_is_matched_by_verified_email_and_lands_home(client, sso, interviewer):
    interviewer.email = "Alice@Candor.example"
    interviewer.save()
    answer = sign_in_at_provider(client, sso, "alice.idp")
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(interviewer.pk)
    assert client.get(answer["Location"], follow=True).redirect_chain[-1][0] == reverse(
        "hiring:my_interviews"
    )
    # The provider's account is linked: the next sign-in uses the link, not the address.
    assert SocialAccount.objects.get(user=interviewer, provider="sso")
    signed_in = AuditEvent.objects.get(verb="account.signed_in", target_id=interviewer.pk)
    assert signed_in.data["method"] == "sso"
    # The local password was not touched.
    interviewer.refresh_from_db()
    assert interviewer.has_usable_password()


def test_an_unknown_person_gets_no_account(client, sso, interviewer):
    before = type(interviewer).objects.count()
    answer = sign_in_at_provider(client, sso, "zed.idp")
    assert "_auth_user_id" not in client.session
    assert b"No Candor account for you yet" in answer.content
    assert type(interviewer).objects.count() == before


def test_an_unverified_address_matches_nobody(client, sso, interviewer):
    interviewer.email = "una@candor.example"
    interviewer.save()
    answer = sign_in_at_provider(client, sso, "una-unverified")
    assert "_auth_user_id" not in client.session
    assert b"No Candor account for you yet" in answer.content


def test_unknown_people_get_a_role_less_account_when_the_setting_says_so(client, sso, settings, interviewer):
    settings.CANDOR_SSO_CREATE_USERS = True
    answer = sign_in_at_provider(client, sso, "zed.idp")
    assert answer.status_code == 302
    user = type(interviewer).objects.get(email="zed@elsewhere.example")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not user.groups.exists()


def test_a_directory_provider_can_vouch_for_its_addresses(client, sso, settings, interviewer):
    """Entra ID sends no email_verified claim: ``trust_email`` in the app's settings."""
    app = sso.app_settings()
    app["openid_connect"]["APPS"][0]["settings"]["trust_email"] = True
    settings.SOCIALACCOUNT_PROVIDERS = app
    interviewer.email = "una@candor.example"
    interviewer.save()
    answer = sign_in_at_provider(client, sso, "una-unverified")
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(interviewer.pk)
