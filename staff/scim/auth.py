"""Bearer-token authentication of SCIM requests (django-scim2's ``AUTH_CHECK_MIDDLEWARE``).

django-scim2 wraps every SCIM view's ``dispatch`` in this class. It accepts only an
``Authorization: Bearer <token>`` header matching an active ``ScimToken`` (hashed at rest);
a signed-in browser session is never enough, so the views' CSRF exemption cannot be used
against a signed-in Admin. Anything else gets 401 with ``WWW-Authenticate: Bearer``.
Requests are logged by method, path and status only: never their bodies (personal data).
"""

import logging

from django.http import HttpResponse
from django_scim.middleware import SCIMAuthCheckMiddleware
from django_scim.settings import scim_settings

from staff import services

logger = logging.getLogger(__name__)


class ScimClient:
    """Who a SCIM request acts for: an identity provider holding ``token``. Not a user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token):
        self.token = token

    def __str__(self):
        return f"SCIM client {self.token.name}"


def bearer_token(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return value.strip()


class ScimBearerAuth(SCIMAuthCheckMiddleware):
    def process_request(self, request):
        token = services.scim_token_authenticate(bearer_token(request))
        if token is None:
            logger.warning(
                "SCIM request refused (no valid bearer token): %s %s", request.method, request.path
            )
            response = HttpResponse(status=401)
            response["WWW-Authenticate"] = scim_settings.WWW_AUTHENTICATE_HEADER
            return response
        request.scim_token = token
        request.user = ScimClient(token)
        return None

    def log_request(self, request):
        """Nothing: the response line says enough, and bodies hold personal data."""

    def log_response(self, request, response):
        token = getattr(request, "scim_token", None)
        logger.info(
            "SCIM %s %s -> %s (token %s)",
            request.method,
            request.path,
            response.status_code,
            token.pk if token else "-",
        )
