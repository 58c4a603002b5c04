"""The login page (allauth, Candor's field names and look), no sign-up, require-SSO with the
break-glass Admin, password reset by email, and the audit rows of sign-ins and failures."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from accounts.forms import SSO_REQUIRED_MESSAGE
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_login_page_keeps_its_fields_and_looks_like_candor(client):
    page = client.get(reverse("login")).content.decode()
    assert "Log in to Candor" in page
    assert 'name="username"' in page and 'id="id_username"' in page
    assert 'name="password"' in page and 'id="id_password"' in page
    assert "bootstrap" in page and "<style" not in page
    assert reverse("account_reset_password") in page
    assert reverse("login") == reverse("account_login") == "/accounts/login/"
    assert reverse("logout") == reverse("account_logout") == "/accounts/logout/"


def test_a_sign_in_and_a_failure_are_audited_without_the_password(client, interviewer):
    response = log_in(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(verb="account.sign_in_failed")
    assert failed.target_id == interviewer.pk
    assert failed.data["username"] == "alice" and failed.data["reason"] == "wrong_credentials"
    assert "not-the-password" not in str(failed.data)
    log_in(client, "nobody-here", "x")
    unknown = AuditEvent.objects.filter(verb="account.sign_in_failed").first()
    assert unknown.target_id == 0 and unknown.data["username"] == "nobody-here"

    assert log_in(client, "alice").status_code == 302
    signed_in = AuditEvent.objects.get(verb="account.signed_in")
    assert signed_in.actor == interviewer and signed_in.data["method"] == "password"


def test_logout_is_a_post_and_lands_on_the_login_page(client, interviewer):
    log_in(client, "alice")
    answer = client.post(reverse("logout"))
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_there_is_no_public_sign_up(client):
    before = User.objects.count()
    page = client.get(reverse("account_signup"))
    assert b"No Candor account for you yet" in page.content
    client.post(
        reverse("account_signup"),
        {"username": "mallory", "password1": "Zx9!kq-long-pw", "email": "m@x.example"},
    )
    assert User.objects.count() == before


def test_require_sso_refuses_passwords_but_for_a_break_glass_admin(client, interviewer, settings):
    from hiring.tests.factories import AdminFactory

    settings.CANDOR_REQUIRE_SSO = True
    refused = log_in(client, "alice")
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    assert escape(SSO_REQUIRED_MESSAGE) in refused.content.decode()
    assert AuditEvent.objects.filter(verb="account.sign_in_failed", data__reason="sso_required").exists()

    AdminFactory(username="ada")
    assert log_in(client, "ada").status_code == 302
    client.logout()
    User.objects.create_superuser("root", "root@candor.example", PASSWORD)
    assert log_in(client, "root").status_code == 302


def test_password_reset_by_email(client, interviewer):
    interviewer.email = "alice@candor.example"
    interviewer.save()
    client.post(reverse("account_reset_password"), {"email": "nobody@candor.example"})
    assert mail.outbox == []  # no mail to an address without an account, and no hint either
    answer = client.post(reverse("account_reset_password"), {"email": "ALICE@candor.example"})
    assert answer.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@candor.example"]
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(
        action, {"password1": "A-new-long-passphrase-9", "password2": "A-new-long-passphrase-9"}
    )
    assert done.status_code == 302
    client.logout()
    assert log_in(client, "alice", "A-new-long-passphrase-9").status_code == 302


def test_an_account_without_a_password_can_set_one_by_reset(client, interviewer):
    """Accounts made by Admins or SCIM have no password until the person sets one this way."""
    interviewer.email = "alice@candor.example"
    interviewer.set_unusable_password()
    interviewer.save()
    client.post(reverse("account_reset_password"), {"email": "alice@candor.example"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_the_login_form_keeps_where_the_person_was_going(client, interviewer):
    page = client.get(reverse("login") + "?next=/interviews/")
    assert 'name="next" value="/interviews/"' in page.content.decode()
    answer = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": "/interviews/"}
    )
    assert answer["Location"] == "/interviews/"
    client.logout()
    elsewhere = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == "/"


def test_the_login_page_offers_the_password_reset_once(client, db):
    """Fresh eyes: "Forgot your password?" (allauth's help text) and "Forgotten your password?"
    (the page's own link) stood one under the other."""
    from django.urls import reverse

    page = client.get(reverse("login")).content.decode()
    assert page.count(f'href="{reverse("account_reset_password")}"') == 1
