"""The schema and the reference page (Swagger UI from the sidecar's static files) work under
the site's strict CSP: no inline script or style, nothing from another origin."""

import re

import pytest
from django.urls import reverse

from api.tests.helpers import client_for, make_token

pytestmark = pytest.mark.django_db


def test_reference_page_has_no_inline_code_and_only_local_assets(client, world):
    client.force_login(world.users["interviewer_this_job"])
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script would be blocked"
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    script = [s for s in sources if "script" in s and s.startswith(reverse("api:docs"))]
    assert script
    js = client.get(script[0].replace("&amp;", "&"))
    assert js.status_code == 200
    assert js["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in js.content.decode()


def test_reference_page_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_schema_is_openapi_3_with_bearer_auth_and_idempotency_header(world):
    _, key = make_token(world.users["hr"])
    response = client_for(key).get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    approve = schema["paths"]["/api/letters/{id}/approve/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in approve["parameters"])
    assert {"400", "401", "403", "404", "409", "422"} <= set(approve["responses"])


def test_reference_page_refuses_a_user_with_no_role_without_a_500(client):
    from hiring.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("api:docs")).status_code == 403
    assert client.get(reverse("api:docs") + "?script=").status_code == 403
    assert client.get(reverse("api:schema")).status_code == 403
