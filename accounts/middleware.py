"""Send a signed-in user whose role requires two-factor, and who has none yet, to set it up."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import policy

# What such a user may still open: the 2FA pages, signing out, re-authenticating (asked before
# adding a factor), static files and health checks.
ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/login/",
    "/accounts/reauthenticate/",
    "/static/",
    "/healthz",
)

MESSAGE = (
    "Your role requires two-factor authentication. Set up an authenticator app or a passkey to continue."
)


class RequireTwoFactorMiddleware:
    """After AuthenticationMiddleware and allauth's AccountMiddleware: every other page answers
    a redirect to /accounts/2fa/ (allauth's "Two-Factor Authentication" page) until the user
    has a TOTP authenticator or a passkey. Sign-in itself asks for the second factor once one
    exists (allauth.mfa), so the user never reaches a page with a password alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(ALLOWED_PREFIXES)
            and policy.requires_2fa(user)
            and not policy.has_second_factor(user)
        ):
            if request.headers.get("HX-Request"):
                # htmx follows a 302 inside its XHR and would swap the 2FA page into a fragment.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("mfa_index")
                return response
            if request.method == "GET":
                messages.warning(request, MESSAGE)
            return redirect("mfa_index")
        return self.get_response(request)
