"""Who must use a second factor (CANDOR_REQUIRE_2FA_ROLES and the Admin's security policy)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from core import roles

_CACHE_KEY = "accounts:security-policy:v1"
_CACHE_SECONDS = 60

# The types that count as a second factor (recovery codes only back them up).
SECOND_FACTOR_TYPES = ("totp", "webauthn")


def policy_roles() -> set[str]:
    """Role names the Admin's SecurityPolicy row requires 2FA for (cached for a minute, and
    cleared by ``accounts.services.set_security_policy``). Empty when no row exists."""
    cached = cache.get(_CACHE_KEY)
    if cached is None:
        from accounts.models import SecurityPolicy

        row = SecurityPolicy.objects.filter(pk=1).first()
        cached = []
        if row and row.require_2fa_for_hr:
            cached.append(roles.HR)
        if row and row.require_2fa_for_admin:
            cached.append(roles.ADMIN)
        cache.set(_CACHE_KEY, cached, _CACHE_SECONDS)
    return set(cached)


def forget_policy() -> None:
    """Drop the cached policy (after an Admin changed it)."""
    cache.delete(_CACHE_KEY)


def roles_requiring_2fa() -> set[str]:
    """Role names whose members must use a second factor: the setting's and the Admin's."""
    return set(getattr(settings, "CANDOR_REQUIRE_2FA_ROLES", []) or []) | policy_roles()


def requires_2fa(user) -> bool:
    """True if ``user`` (signed in) holds a role that must use a second factor. A superuser
    counts as an Admin (core/roles.py). No database query when no role requires it."""
    if not getattr(user, "is_authenticated", False):
        return False
    required = roles_requiring_2fa()
    if not required:
        return False
    held = set(roles.role_names(user))
    if user.is_superuser:
        held.add(roles.ADMIN)
    return bool(held & required)


def has_second_factor(user) -> bool:
    """True if ``user`` has a TOTP authenticator or a passkey/security key."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES).exists()
