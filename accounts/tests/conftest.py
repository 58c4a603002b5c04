"""Fixtures of the accounts tests: the test OpenID Connect provider, a clean 2FA policy cache."""

import pytest

from tests.support.oidc_provider.process import running_provider

# The provider's people: Alice has a Candor account with this address; Zed has none; Una's
# provider does not vouch for her address (email_verified false).
IDP_USERS = [
    {"username": "alice.idp", "email": "alice@candor.example", "first_name": "Alice", "last_name": "Ito"},
    {"username": "zed.idp", "email": "zed@elsewhere.example", "first_name": "Zed", "last_name": "Unknown"},
    {"username": "una-unverified", "email": "una@candor.example", "first_name": "Una", "last_name": "Verr"},
]
CALLBACK = "/accounts/oidc/sso/login/callback/"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    """The test provider for the Django test client (host "testserver")."""
    with running_provider(
        tmp_path_factory.mktemp("idp"), redirect_uris=[f"http://testserver{CALLBACK}"], users=IDP_USERS
    ) as provider:
        yield provider


@pytest.fixture(autouse=True)
def _throttling_on(settings):
    """As in production: axes records every sign-in (the project's test settings switch it off)."""
    settings.AXES_ENABLED = True


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    from accounts import policy

    policy.forget_policy()
    yield
    policy.forget_policy()
