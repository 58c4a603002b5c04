"""SCIM filter parsers: ``userName``/``emails``/names/``active`` for users, ``displayName`` for groups."""

from django_scim.filters import GroupFilterQuery, UserFilterQuery


class _NoNulMixin:
    """A NUL character cannot reach PostgreSQL, and an attribute not in ``attr_map`` cannot be
    filtered on: either is a 400 (``ValueError``) rather than an empty list."""

    @classmethod
    def search(cls, filter_query, request=None):
        if not isinstance(filter_query, str) or "\x00" in filter_query:
            raise ValueError("The filter holds a character that is not allowed")
        query = cls.query_class(filter_query, cls.table_name(), cls.attr_map, cls.joins)
        if query.where_sql is None:
            # An attribute this server does not filter on (externalId, meta.lastModified, ...):
            # an empty list would tell the identity provider that nobody matches, and it would
            # create a duplicate. SCIM's answer is 400 invalidFilter (RFC 7644, 3.4.2.2).
            raise ValueError("This server cannot filter on that attribute")
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
