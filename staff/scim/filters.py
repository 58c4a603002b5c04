"""SCIM filter parsers: ``userName``/``emails``/names/``active`` for users, ``displayName`` for groups."""

from django_scim.filters import GroupFilterQuery, UserFilterQuery


class _NoNulMixin:
    """A NUL character cannot reach PostgreSQL: such a filter is a 400 (``ValueError``)."""

    @classmethod
    def search(cls, filter_query, request=None):
        if not isinstance(filter_query, str) or "\x00" in filter_query:
            raise ValueError("The filter holds a character that is not allowed")
        return super().search(filter_query, request)


class StaffUserFilterQuery(_NoNulMixin, UserFilterQuery):
    attr_map = {
        **UserFilterQuery.attr_map,
        ("emails", "value", None): "email",
        ("emails", None, None): "email",
    }


class RoleGroupFilterQuery(_NoNulMixin, GroupFilterQuery):
    attr_map = {
        ("displayName", None, None): "name",
    }
