"""SCIM over real HTTP: a live server and Python's own HTTP client, as an IdP's connector would."""

import json
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from hiring.tests.factories import AdminFactory
from staff import services

User = get_user_model()


def _call(base, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/scim/v2/{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/scim+json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - localhost
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_create_assign_role_and_deactivate_over_http(live_server, settings):
    settings.CANDOR_BASE_URL = live_server.url
    admin = AdminFactory()
    _, raw = services.scim_token_create(by=admin, name="Live IdP")
    status, user = _call(
        live_server.url,
        "POST",
        "Users",
        raw,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "lin@corp.example",
            "name": {"givenName": "Lin", "familyName": "Zhou"},
            "emails": [{"value": "lin@corp.example", "primary": True}],
            "active": True,
        },
    )
    assert status == 201
    hr = Group.objects.get(name=roles.HR)
    status, _ = _call(
        live_server.url,
        "PATCH",
        f"Groups/{hr.pk}",
        raw,
        {"Operations": [{"op": "add", "path": "members", "value": [{"value": user["id"]}]}]},
    )
    assert status == 200
    status, body = _call(
        live_server.url,
        "PATCH",
        f"Users/{user['id']}",
        raw,
        {"Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert status == 200 and body["active"] is False
    person = User.objects.get(pk=user["id"])
    assert not person.is_active and person.groups.filter(name=roles.HR).exists()
    assert body["meta"]["location"].startswith(live_server.url)
    assert _call(live_server.url, "GET", "Users", "wrong")[0] == 401
