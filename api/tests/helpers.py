"""Helpers for the API tests: tokens made through the service, and clients that send them."""

from rest_framework.test import APIClient

from api.services import token_create
from hiring.tests.factories import AdminFactory


def make_token(acting_user, *, scope="read", jobs=None, name="Test sync", by=None):
    """(token, key): a token made by an Admin through ``token_create``; ``jobs`` limits it."""
    by = by or AdminFactory()
    return token_create(
        by=by, name=name, scope=scope, acting_user=acting_user, all_jobs=jobs is None, jobs=jobs or ()
    )


def client_for(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def ids(response) -> list[int]:
    """The ids on one page of a list answer."""
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])
