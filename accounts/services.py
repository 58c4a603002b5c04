"""The accounts app's write path: audit rows of sign-ins, failures, lockouts and 2FA changes,
and the Admin's security policy. Every function writes through core.audit.

No function here ever receives or stores a password: failures carry the attempted username
(truncated to 150 characters) and the client address only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import policy
from accounts.models import SecurityPolicy
from core.audit import audit_record

USERNAME_MAX = 150


def _target_for(username: str | None):
    """The account named ``username`` if one exists, else an unsaved User with pk 0 (the audit
    row then reads ``auth.user#0``: no such account; the username is in its data)."""
    User = get_user_model()
    user = None
    if username:
        user = User.objects.filter(username=username).first()
    return user or User(pk=0)


def record_sign_in(user, *, method: str, address: str) -> None:
    """Audit a completed sign-in (``account.signed_in``). ``method``: "password", "sso",
    "passkey" ... (allauth's authentication record); ``address``: the client address."""
    audit_record(
        actor=user, verb="account.signed_in", target=user, data={"method": method, "address": address}
    )


def record_sign_in_failure(username: str | None, *, address: str, reason: str) -> None:
    """Audit a failed sign-in (``account.sign_in_failed``). ``username`` as typed (never the
    password); ``reason``: "wrong_credentials", "throttled", "second_factor" or "sso_required"."""
    username = (username or "")[:USERNAME_MAX]
    audit_record(
        actor=None,
        verb="account.sign_in_failed",
        target=_target_for(username),
        data={"username": username, "address": address, "reason": reason},
    )


def record_lockout(username: str | None, *, address: str) -> None:
    """Audit that the throttle paused sign-ins for ``username`` from ``address``
    (``account.locked_out``; accounts/throttle.py says which limit and for how long)."""
    username = (username or "")[:USERNAME_MAX]
    audit_record(
        actor=None,
        verb="account.locked_out",
        target=_target_for(username),
        data={"username": username, "address": address},
    )


MFA_VERBS = {
    "added": "account.2fa_added",
    "removed": "account.2fa_removed",
    "reset": "account.recovery_codes_regenerated",
}


def record_2fa_change(user, *, change: str, kind: str) -> None:
    """Audit a change of ``user``'s second factors: ``change`` in MFA_VERBS ("added",
    "removed", "reset"), ``kind`` the authenticator type ("totp", "webauthn", "recovery_codes")."""
    verb = MFA_VERBS[change]
    if change == "reset" and kind != "recovery_codes":
        verb = "account.2fa_reset"
    audit_record(actor=user, verb=verb, target=user, data={"type": kind})


def set_security_policy(actor, *, require_2fa_for_hr: bool, require_2fa_for_admin: bool) -> SecurityPolicy:
    """Set which roles must use a second factor (the Admin's page, accounts/views.py).
    Audited as ``security_policy.changed`` with the old and new values. Returns the row."""
    with transaction.atomic():
        row, _ = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
        before = {"hr": row.require_2fa_for_hr, "admin": row.require_2fa_for_admin}
        row.require_2fa_for_hr = bool(require_2fa_for_hr)
        row.require_2fa_for_admin = bool(require_2fa_for_admin)
        row.save()
        after = {"hr": row.require_2fa_for_hr, "admin": row.require_2fa_for_admin}
        audit_record(
            actor=actor, verb="security_policy.changed", target=row, data={"before": before, "after": after}
        )
    transaction.on_commit(policy.forget_policy)
    policy.forget_policy()
    return row
