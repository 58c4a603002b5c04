import pytest

from hiring.tests.factories import AdminFactory
from staff import services


@pytest.fixture
def admin(db):
    return AdminFactory(username="ada_admin", first_name="Ada", last_name="Admin")


@pytest.fixture
def scim_token(admin):
    token, raw = services.scim_token_create(by=admin, name="Okta test")
    token.raw = raw
    return token
