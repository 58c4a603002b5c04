"""SCIM 2.0 provisioning from a scripted client (Django's test Client sending SCIM JSON)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from core.models import AuditEvent
from hiring.tests.factories import InterviewerFactory
from staff import services

User = get_user_model()
SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Scim:
    def __init__(self, client, raw):
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, **extra):
        return self.client.get(f"/scim/v2/{path}", **{**self.auth, **extra})

    def send(self, method, path, body):
        return getattr(self.client, method)(
            f"/scim/v2/{path}", data=json.dumps(body), content_type=SCIM, **self.auth
        )


@pytest.fixture
def scim(client, scim_token):
    return Scim(client, scim_token.raw)


def new_user(**overrides):
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "rosa.parks@corp.example",
        "name": {"givenName": "Rosa", "familyName": "Parks"},
        "emails": [{"value": "rosa.parks@corp.example", "primary": True, "type": "work"}],
        "externalId": "00u1abcd",
        "active": True,
    }
    body.update(overrides)
    return body


def role_group(name):
    return Group.objects.get(name=name)


def test_create_user_maps_attributes_and_is_audited_with_the_token_name(scim, scim_token):
    response = scim.send("post", "Users", new_user())
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(pk=int(body["id"]))
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "rosa.parks@corp.example",
        "rosa.parks@corp.example",
        "Rosa",
        "Parks",
    )
    assert user.is_active and not user.has_usable_password()
    assert body["externalId"] == "00u1abcd"
    assert body["emails"][0]["value"] == "rosa.parks@corp.example"
    assert response["Location"].endswith(f"/scim/v2/Users/{user.pk}")
    event = AuditEvent.objects.get(verb="staff.created", target_id=user.pk)
    assert event.actor is None
    assert event.data["scim_token"] == "Okta test" and event.data["via"] == "scim"


def test_duplicate_user_is_a_409_and_filter_finds_by_username(scim):
    assert scim.send("post", "Users", new_user()).status_code == 201
    again = scim.send("post", "Users", new_user())
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"
    found = scim.get("Users", data={"filter": 'userName eq "rosa.parks@corp.example"'})
    assert found.status_code == 200
    assert found.json()["totalResults"] == 1


def test_put_replaces_and_patch_updates(scim):
    user_id = scim.send("post", "Users", new_user()).json()["id"]
    put = scim.send(
        "put",
        f"Users/{user_id}",
        new_user(name={"givenName": "Rosa L.", "familyName": "Parks"}, emails=[{"value": "rp@corp.example"}]),
    )
    assert put.status_code == 200, put.content
    user = User.objects.get(pk=user_id)
    assert (user.first_name, user.email) == ("Rosa L.", "rp@corp.example")
    patch = scim.send(
        "patch",
        f"Users/{user_id}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "Replace", "path": "name.familyName", "value": "Parks-McCauley"},
                {"op": "Add", "path": 'emails[type eq "work"].value', "value": "rosa@corp.example"},
                {"op": "Replace", "path": "title", "value": "ignored: Candor keeps no title"},
            ],
        },
    )
    assert patch.status_code == 200, patch.content
    user.refresh_from_db()
    assert (user.last_name, user.email) == ("Parks-McCauley", "rosa@corp.example")
    verbs = list(
        AuditEvent.objects.filter(target_id=user.pk, target_type="auth.user").values_list("verb", flat=True)
    )
    assert verbs.count("staff.updated") == 2


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "value": {"active": False}},  # Okta
        {"op": "Replace", "path": "active", "value": "False"},  # Entra ID sends a string
    ],
)
def test_patch_active_false_deactivates_ends_sessions_and_keeps_the_user(scim, client, operation):
    person = InterviewerFactory(first_name="Ivo", last_name="Interviewer")
    browser = type(client)()
    browser.force_login(person)
    assert browser.get("/me/security/").status_code == 200
    response = scim.send(
        "patch", f"Users/{person.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [operation]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    person.refresh_from_db()
    assert not person.is_active
    assert User.objects.filter(pk=person.pk).exists()
    assert browser.get("/me/security/").status_code == 302  # signed out
    event = AuditEvent.objects.get(verb="staff.deactivated", target_id=person.pk)
    assert event.data["scim_token"] == "Okta test"


def test_delete_deactivates_instead_of_deleting(scim):
    person = InterviewerFactory()
    assert scim.client.delete(f"/scim/v2/Users/{person.pk}", **scim.auth).status_code == 204
    person.refresh_from_db()
    assert not person.is_active


def test_groups_are_the_four_roles_and_membership_changes_roles(scim):
    Group.objects.create(name="Not a role")
    listing = scim.get("Groups").json()
    assert sorted(g["displayName"] for g in listing["Resources"]) == sorted(roles.ALL)
    person = InterviewerFactory()
    hr = role_group(roles.HR)
    add = scim.send(
        "patch",
        f"Groups/{hr.pk}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": str(person.pk)}]}],
        },
    )
    assert add.status_code == 200, add.content
    assert set(person.groups.values_list("name", flat=True)) == {roles.INTERVIEWER, roles.HR}
    remove = scim.send(
        "patch",
        f"Groups/{hr.pk}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "remove", "path": f'members[value eq "{person.pk}"]'}],
        },
    )
    assert remove.status_code == 200, remove.content
    assert set(person.groups.values_list("name", flat=True)) == {roles.INTERVIEWER}
    user_view = scim.get(f"Users/{person.pk}").json()
    assert [g["display"] for g in user_view["groups"]] == [roles.INTERVIEWER]
    events = AuditEvent.objects.filter(verb="staff.roles_changed", target_id=person.pk).order_by("pk")
    assert [e.data["added"] or e.data["removed"] for e in events] == [[roles.HR], [roles.HR]]
    assert all(e.data["scim_token"] == "Okta test" for e in events)


def test_put_group_replaces_members(scim):
    first, second = InterviewerFactory(), InterviewerFactory()
    manager = role_group(roles.HIRING_MANAGER)
    first.groups.add(manager)
    response = scim.send(
        "put",
        f"Groups/{manager.pk}",
        {"displayName": roles.HIRING_MANAGER, "members": [{"value": str(second.pk)}]},
    )
    assert response.status_code == 200, response.content
    assert list(manager.user_set.all()) == [second]


def test_groups_cannot_be_created_renamed_or_deleted_or_point_at_unknown_users(scim):
    assert scim.send("post", "Groups", {"displayName": "Recruiters"}).status_code == 400
    assert scim.send("post", "Groups", {"displayName": roles.HR}).status_code == 409
    hr = role_group(roles.HR)
    rename = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "displayName", "value": "People"}],
    }
    assert scim.send("patch", f"Groups/{hr.pk}", rename).status_code == 400
    assert scim.client.delete(f"/scim/v2/Groups/{hr.pk}", **scim.auth).status_code == 400
    unknown = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "999999"}]}],
    }
    assert scim.send("patch", f"Groups/{hr.pk}", unknown).status_code == 400
    other = Group.objects.create(name="Not a role")
    assert scim.get(f"Groups/{other.pk}").status_code == 404
    assert Group.objects.get(pk=hr.pk).name == roles.HR


def test_scim_cannot_remove_the_last_admin(scim, admin):
    group = role_group(roles.ADMIN)
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "remove", "path": f'members[value eq "{admin.pk}"]'}],
    }
    response = scim.send("patch", f"Groups/{group.pk}", body)
    assert response.status_code == 400
    assert "last active Admin" in response.json()["detail"]
    assert admin.groups.filter(name=roles.ADMIN).exists()


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Token cscim_x"]
)
def test_bad_or_missing_token_is_401(client, scim_token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/scim/v2/Users", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401_and_a_signed_in_admin_session_is_not_enough(client, scim_token, admin):
    client.force_login(admin)
    assert client.get("/scim/v2/Users").status_code == 401
    services.scim_token_revoke(by=admin, token=scim_token)
    response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {scim_token.raw}")
    assert response.status_code == 401


def test_bad_input_is_a_scim_400_not_a_500(scim):
    assert scim.send("post", "Users", {"schemas": [USER_SCHEMA]}).status_code == 400
    assert scim.send("post", "Users", new_user(active="maybe")).status_code == 400
    assert scim.send("post", "Users", new_user(emails=[{"value": "not-an-email"}])).status_code == 400
    assert scim.send("post", "Users", new_user(userName="x" * 200)).status_code == 400
    assert scim.send("post", "Users", new_user(userName="bad name\x00")).status_code == 400
    assert scim.get("Users/abc").status_code == 404
    assert scim.get("Users/99999999").status_code == 404
    bad_ops = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "explode", "path": "active", "value": True}]}
    person = InterviewerFactory()
    assert scim.send("patch", f"Users/{person.pk}", bad_ops).status_code == 400
    assert scim.send("patch", f"Users/{person.pk}", {"Operations": "nope"}).status_code == 400
    assert not User.objects.filter(username__startswith="xxx").exists()


def test_discovery_endpoints(scim):
    config = scim.get("ServiceProviderConfig")
    assert config.status_code == 200
    assert config.json()["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert config.json()["patch"]["supported"] is True
    types = {r["id"] for r in scim.get("ResourceTypes").json()["Resources"]}
    assert types == {"User", "Group"}
    schemas = scim.get("Schemas").json()["Resources"]
    assert any(s["id"] == USER_SCHEMA for s in schemas)


def test_filters_on_email_and_group_display_name(scim):
    assert scim.send("post", "Users", new_user()).status_code == 201
    by_email = scim.get("Users", data={"filter": 'emails.value eq "rosa.parks@corp.example"'})
    assert by_email.status_code == 200 and by_email.json()["totalResults"] == 1
    groups = scim.get("Groups", data={"filter": 'displayName eq "HR"'}).json()
    assert [g["displayName"] for g in groups["Resources"]] == [roles.HR]
    Group.objects.create(name="Recruiters")
    assert scim.get("Groups", data={"filter": 'displayName eq "Recruiters"'}).json()["totalResults"] == 0


@pytest.mark.parametrize(
    "query",
    [
        {"count": "-1"},
        {"count": "abc"},
        {"startIndex": "0"},
        {"startIndex": "99999999999999999999"},
        {"filter": "userName"},
        {"filter": 'title eq "CTO"'},
        {"filter": 'userName eq "a" or'},
        {"filter": 'userName eq "\x00"'},
        {"filter": 'emails[type eq "work"].value eq "a@b.c"'},
    ],
)
def test_odd_list_queries_are_never_a_500(scim, query):
    for resource in ("Users", "Groups"):
        response = scim.get(resource, data=query)
        assert response.status_code < 500, (resource, query, response.content)


@pytest.mark.parametrize("body", [b"[1, 2]", b"null", b'"text"', b"\xff\xfe", b"{not json", b"{}"])
@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "Users"),
        ("put", "Users/{pk}"),
        ("patch", "Users/{pk}"),
        ("patch", "Groups/{hr}"),
        ("post", "Users/.search"),
        ("post", "Groups/.search"),
        ("put", "Groups/{hr}"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_a_400(scim, body, method, path):
    person = InterviewerFactory()
    url = "/scim/v2/" + path.format(pk=person.pk, hr=role_group(roles.HR).pk)
    response = getattr(scim.client, method)(url, data=body, content_type=SCIM, **scim.auth)
    assert response.status_code == 400, (method, path, body, response.content)


@pytest.mark.parametrize(
    "expression",
    ['externalId eq "okta-123"', 'meta.lastModified gt "2026-01-01T00:00:00Z"', 'password eq "x"'],
)
def test_a_filter_on_an_attribute_the_server_does_not_filter_on_is_a_400_not_an_empty_list(scim, expression):
    """Fresh eyes: externalId filters answered an empty 200, so an identity provider would think
    nobody matched and create a duplicate account. RFC 7644 3.4.2.2: 400 invalidFilter."""
    response = scim.get("Users", data={"filter": expression})
    assert response.status_code == 400, response.content
    assert b"invalidFilter" in response.content or b"filter" in response.content.lower()
