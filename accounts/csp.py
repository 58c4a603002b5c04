"""Let the sign-in forms reach the identity provider under the strict CSP.

Chromium applies ``form-action`` to a form's redirects too: the SSO button posts to Candor,
which redirects to the provider's authorization endpoint on another origin, and
``form-action 'self'`` would block that. The pages with such forms add the origins of the
configured OpenID Connect providers (their ``server_url``) and CANDOR_SSO_FORM_ACTION_ORIGINS
(for a provider whose authorization endpoint is on yet another origin) to ``form-action``.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings


def provider_origins(request) -> list[str]:
    """The origins (scheme://host[:port]) of every configured OpenID Connect app's server_url,
    plus CANDOR_SSO_FORM_ACTION_ORIGINS. Never raises: an unreadable app is skipped."""
    from allauth.socialaccount.adapter import get_adapter

    origins = list(getattr(settings, "CANDOR_SSO_FORM_ACTION_ORIGINS", []) or [])
    try:
        apps = get_adapter(request).list_apps(request, provider="openid_connect")
    except Exception:  # noqa: BLE001 - a misconfigured app must not break the login page
        apps = []
    for app in apps:
        parts = urlsplit(str((app.settings or {}).get("server_url", "")))
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def allow_provider_form_targets(view):
    """Decorate a view: its response's CSP ``form-action`` also names the providers' origins."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = provider_origins(request)
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update
        return response

    return wrapped
