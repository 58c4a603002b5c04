"""Cursor pagination: stable under inserts, cheap at any depth (``?cursor=`` from ``next``)."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Newest first by id; ``page_size`` 50 by default, at most 200."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
