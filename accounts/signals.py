"""Receivers that turn sign-in events into audit rows (accounts.services).

- allauth's ``user_logged_in``: a completed sign-in through allauth (password, SSO, passkey;
  after the second factor when one is set up). Django's own signal is not used: ``force_login``
  in tests and tools would write rows too.
- Django's ``user_login_failed``: wrong credentials (its credentials are already cleansed of
  the password; only the username is read).
- axes' ``user_locked_out``: the throttle paused sign-ins (accounts/throttle.py).
- allauth.mfa's signals: second factors added, removed, recovery codes regenerated, wrong codes.
"""

from __future__ import annotations

from accounts import services
from accounts.throttle import client_ip


def _address(request) -> str:
    if request is None:
        return ""
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def on_signed_in(sender, request, user, **kwargs):
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, user)
    methods = [r.get("method", "") for r in records]
    method = "sso" if "socialaccount" in methods else (methods[0] if methods else "unknown")
    if "mfa" in methods:
        method += "+2fa"
    services.record_sign_in(user, method=method, address=_address(request))


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(getattr(request, "user", None), "is_authenticated", False):
        return  # a signed-in user's re-authentication, not a sign-in (allauth rate-limits it)
    username = credentials.get("username") or credentials.get("email") or ""
    reason = "throttled" if getattr(request, "axes_locked_out", False) else "wrong_credentials"
    services.record_sign_in_failure(username, address=_address(request), reason=reason)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    services.record_lockout(username, address=ip_address or _address(request))


def on_authenticator_added(sender, request=None, user=None, authenticator=None, **kwargs):
    services.record_2fa_change(user, change="added", kind=authenticator.type)


def on_authenticator_removed(sender, request=None, user=None, authenticator=None, **kwargs):
    services.record_2fa_change(user, change="removed", kind=authenticator.type)


def on_authenticator_reset(sender, request=None, user=None, authenticator=None, **kwargs):
    services.record_2fa_change(user, change="reset", kind=authenticator.type)


def on_second_factor_failed(sender, request=None, user=None, authenticator=None, **kwargs):
    if kwargs.get("reauthentication"):
        return  # a signed-in user's re-authentication, not a sign-in
    services.record_sign_in_failure(
        user.get_username() if user else "", address=_address(request), reason="second_factor"
    )


def connect() -> None:
    """Connect every receiver (AccountsConfig.ready)."""
    from allauth.account import signals as account_signals
    from allauth.mfa import signals as mfa_signals
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_login_failed

    account_signals.user_logged_in.connect(on_signed_in, dispatch_uid="accounts.signed_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="accounts.sign_in_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="accounts.locked_out")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="accounts.2fa_added")
    mfa_signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid="accounts.2fa_removed")
    mfa_signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="accounts.2fa_reset")
    mfa_signals.authentication_failed.connect(on_second_factor_failed, dispatch_uid="accounts.2fa_failed")
