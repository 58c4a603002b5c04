"""Who may open each URL of the accounts app (tests/support/authz.py).

allauth's pages (included under /accounts/ by accounts/urls.py) are listed by name too: the
sign-in pages answer everyone, the pages of one's own account (2FA, password, SSO links) need
a sign-in, and the pages that change a second factor first ask for the password again
(a redirect to /accounts/reauthenticate/: "OK" in the matrix's terms).
"""

from django.urls import reverse

from tests.support.authz import FORBIDDEN, LOGIN, NOT_FOUND, OK, Case, everyone, staff_only


def signed_in() -> dict:
    """Anonymous visitors go to the login page; every signed-in role (Admin too) gets the page."""
    return {**staff_only(), "admin": OK}


def anonymous_to_login(expect) -> dict:
    """Anonymous visitors go to the login page; every signed-in role (Admin too) gets ``expect``."""
    return {**everyone(expect), "anonymous": LOGIN, "admin": expect}


def _get(name, expect, *args):
    return Case(url=lambda w: reverse(name, args=list(args)), expect=expect)


CASES = {
    # The Admin's security policy (which roles must use 2FA).
    "accounts_security_policy": Case(
        url=lambda w: reverse("accounts_security_policy"),
        expect={
            "anonymous": LOGIN,
            "interviewer_other_job": FORBIDDEN,
            "interviewer_this_job": FORBIDDEN,
            "manager_other_job": FORBIDDEN,
            "manager_this_job": FORBIDDEN,
            "hr": FORBIDDEN,
            "admin": OK,
        },
    ),
    "accounts_email_not_offered": _get("accounts_email_not_offered", everyone(NOT_FOUND)),
    # allauth.account: the same URLs as "login" and "logout" (core's cases), by allauth's names.
    "account_login": _get("account_login", everyone(OK)),
    "account_logout": _get("account_logout", signed_in()),
    "account_inactive": _get("account_inactive", everyone(OK)),
    # Sign-up is closed (accounts.adapters.AccountAdapter): a page saying so, or home.
    "account_signup": _get("account_signup", everyone(OK)),
    "account_reauthenticate": _get("account_reauthenticate", signed_in()),
    "account_request_reauthentication_code": _get("account_request_reauthentication_code", signed_in()),
    "account_confirm_reauthentication_code": _get("account_confirm_reauthentication_code", signed_in()),
    "account_email": _get("account_email", everyone(NOT_FOUND)),
    "account_email_verification_sent": _get("account_email_verification_sent", everyone(OK)),
    "account_confirm_email": _get("account_confirm_email", everyone(OK), "not-a-key"),
    "account_change_password": _get("account_change_password", signed_in()),
    "account_set_password": _get("account_set_password", signed_in()),
    "account_reset_password": _get("account_reset_password", everyone(OK)),
    "account_reset_password_done": _get("account_reset_password_done", everyone(OK)),
    "account_reset_password_from_key": Case(
        url=lambda w: reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "not-a-key"}),
        expect=everyone(OK),
    ),
    "account_reset_password_from_key_done": _get("account_reset_password_from_key_done", everyone(OK)),
    "account_confirm_login_code": _get("account_confirm_login_code", anonymous_to_login(OK)),
    # allauth.mfa: one's own second factors.
    "mfa_index": _get("mfa_index", signed_in()),
    "mfa_authenticate": _get("mfa_authenticate", anonymous_to_login(OK)),
    "mfa_reauthenticate": _get("mfa_reauthenticate", signed_in()),
    "mfa_activate_totp": _get("mfa_activate_totp", signed_in()),
    # Nothing to deactivate or show without an authenticator: 404.
    "mfa_deactivate_totp": _get("mfa_deactivate_totp", anonymous_to_login(NOT_FOUND)),
    "mfa_view_recovery_codes": _get("mfa_view_recovery_codes", anonymous_to_login(NOT_FOUND)),
    "mfa_generate_recovery_codes": _get("mfa_generate_recovery_codes", signed_in()),
    "mfa_download_recovery_codes": _get("mfa_download_recovery_codes", anonymous_to_login(NOT_FOUND)),
    "mfa_list_webauthn": _get("mfa_list_webauthn", signed_in()),
    "mfa_add_webauthn": _get("mfa_add_webauthn", signed_in()),
    "mfa_reauthenticate_webauthn": _get("mfa_reauthenticate_webauthn", signed_in()),
    # Someone else's (or no) key: the reauthentication asked first, then 404.
    "mfa_remove_webauthn": _get("mfa_remove_webauthn", signed_in(), 999999),
    "mfa_edit_webauthn": _get("mfa_edit_webauthn", signed_in(), 999999),
    # allauth.socialaccount: single sign-on.
    "socialaccount_login_cancelled": _get("socialaccount_login_cancelled", everyone(OK)),
    "socialaccount_login_error": _get("socialaccount_login_error", everyone(401)),
    # Only within a pending SSO sign-up (closed unless CANDOR_SSO_CREATE_USERS): back to login.
    "socialaccount_signup": _get("socialaccount_signup", everyone(LOGIN)),
    "socialaccount_connections": _get("socialaccount_connections", signed_in()),
    # No OpenID Connect provider is configured in the matrix's world: 404 (the OIDC tests
    # configure one: accounts/tests/test_oidc.py).
    "openid_connect_login": _get("openid_connect_login", everyone(NOT_FOUND), "sso"),
    "openid_connect_callback": _get("openid_connect_callback", everyone(NOT_FOUND), "sso"),
}
