"""How a caller of the API is identified.

- ``Authorization: Bearer <key>``: an API token (``api.models.ApiToken``); the request then acts
  as the token's ``acting_user`` and ``request.auth`` is the token.
- A signed-in staff member's session (with CSRF on writes), so the reference page's
  "Try it out" works; ``request.auth`` is None.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.services import token_for_key, token_touch
from core import roles


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cnd_…``. Unknown, revoked or malformed keys: 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as “Authorization: Bearer <key>”.")
        try:
            key = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("This API token is not valid.") from None
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("This API token is not valid, or it was revoked.")
        user = token.acting_user
        if not user.is_active or not roles.is_staff_member(user):
            raise exceptions.AuthenticationFailed(
                "The user this token acts as is no longer active staff: ask an Admin for a new token."
            )
        token_touch(token)
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """A signed-in user's session (CSRF enforced on writes by DRF)."""


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token made by an Admin."}


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StaffSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
