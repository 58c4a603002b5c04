"""What a caller may do, on top of the selectors' and services' own rules.

A token's scope: ``read`` allows safe methods only, ``write`` also POST/PATCH/PUT/DELETE.
Every caller must act as active staff (a hiring role); who sees which object is then the
selectors' business (api.views), and who may write the services'.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import ApiToken
from core import roles


class TokenScopePermission(BasePermission):
    message = "This API token is read-only: ask an Admin for a token with the write scope."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is None:
            # A session: staff only (an Admin with no hiring role may read the reference page only).
            if not roles.is_staff_member(user):
                self.message = "The API is for staff with a hiring role."
                return False
            return True
        if request.method in SAFE_METHODS:
            return True
        return token.can_write


class ReferencePermission(BasePermission):
    """The schema and its reference page: any signed-in staff member or Admin, or any token."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return isinstance(request.auth, ApiToken) or roles.is_staff_member(user) or roles.is_admin(user)
