"""System checks of the sign-in settings (``manage.py check``; the deploy ones with ``--deploy``).

- accounts.E001: CANDOR_REQUIRE_2FA_ROLES names a role that does not exist (core/roles.py):
  a typo would silently require nothing.
- accounts.E002: CANDOR_TRUSTED_PROXY_COUNT is negative.
- accounts.E003 (deploy): CANDOR_WEBAUTHN_ALLOW_INSECURE_ORIGIN is on (demo only).

Only settings are read: no database, no network.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

from core import roles


def check_sign_in_settings(app_configs=None, **kwargs) -> list[Error]:
    """E001 and E002 (module docstring)."""
    errors = []
    unknown = sorted(set(getattr(settings, "CANDOR_REQUIRE_2FA_ROLES", []) or []) - set(roles.ALL))
    if unknown:
        errors.append(
            Error(
                f"CANDOR_REQUIRE_2FA_ROLES names unknown roles: {', '.join(unknown)}.",
                hint=f"Use role names exactly as written: {', '.join(roles.ALL)}.",
                id="accounts.E001",
            )
        )
    if int(getattr(settings, "CANDOR_TRUSTED_PROXY_COUNT", 0) or 0) < 0:
        errors.append(
            Error(
                "CANDOR_TRUSTED_PROXY_COUNT is negative.",
                hint="The number of proxies in front of Candor that append to X-Forwarded-For (0: none).",
                id="accounts.E002",
            )
        )
    return errors


def check_sign_in_deploy_settings(app_configs=None, **kwargs) -> list[Error]:
    """E003 (module docstring)."""
    if getattr(settings, "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False):
        return [
            Error(
                "Passkeys accept insecure (http) origins (CANDOR_WEBAUTHN_ALLOW_INSECURE_ORIGIN).",
                hint="Only for the demo on http://localhost; unset it in production.",
                id="accounts.E003",
            )
        ]
    return []
