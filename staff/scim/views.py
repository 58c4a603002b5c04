"""django-scim2's views, hardened: ids are checked before any lookup (a non-numeric id is a
SCIM 404, not a database error) and a body must be a UTF-8 JSON object (else a SCIM 400)."""

from django_scim import exceptions
from django_scim import views as scim_views


class _NumericIdMixin:
    def get_object(self):
        uuid = str(self.kwargs.get(self.lookup_url_kwarg) or "")
        if not uuid.isdigit() or len(uuid) > 18:
            raise exceptions.NotFoundError(uuid[:40])
        return super().get_object()


class _JsonObjectBodyMixin:
    def load_body(self, body):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.BadRequestError("The body is not UTF-8", scim_type="invalidSyntax") from exc
        data = super().load_body(body)
        if not isinstance(data, dict):
            raise exceptions.BadRequestError("The body should be a JSON object", scim_type="invalidSyntax")
        return data


class UsersView(_JsonObjectBodyMixin, _NumericIdMixin, scim_views.UsersView):
    pass


class GroupsView(_JsonObjectBodyMixin, _NumericIdMixin, scim_views.GroupsView):
    pass


class UserSearchView(_JsonObjectBodyMixin, scim_views.UserSearchView):
    pass


class GroupSearchView(_JsonObjectBodyMixin, scim_views.GroupSearchView):
    pass
