"""One rule for a person's name (core.names), at every place that stores one: the candidate
forms, the reapply form, the CSV import, the API, SCIM and the staff People form. A name with
a right-to-left override (U+202E) once replaced a candidate's name and HR read it reversed."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from api.tests.helpers import client_for, make_token
from candidates.models import Candidate
from candidates.validators import name_problem, validate_person_name
from feedback.tests.candidate_helpers import make_letter
from feedback.tests.test_reapply import LONG_AGO, _form
from feedback.tests.test_reapply import url as candidate_url
from hiring.models import Application
from hiring.services import imports as csv_import
from hiring.tests.factories import AdminFactory, job_with_pipeline
from staff import services as staff_services

pytestmark = pytest.mark.django_db

BAD_NAMES = [
    "Ada \u202eecalevoL",  # right-to-left override
    "Ada \u202aLovelace",  # left-to-right embedding
    "Ada \u2067Lovelace\u2069",  # right-to-left isolate ... pop directional isolate
    "Ada\u200bLovelace",  # zero-width space
    "Ada\u2060Lovelace",  # word joiner
    "\ufeffAda Lovelace",  # zero-width no-break space (BOM)
    "Ada \u200fLovelace",  # right-to-left mark
    "\u200dAda Lovelace",  # a joiner not between two letters
    "Ada\nLovelace",  # line break
    "Ada\r\nLovelace",
    "Ada\u2028Lovelace",  # line separator
    "Ada\x07Lovelace",  # BEL
    "Ada\x85Lovelace",  # next line (C1)
    "Ada\tLovelace",
]
GOOD_NAMES = ["Zoë Ünicode", "Ada Lovelace-Byron", "محمد\u200cرضا", "O'Brien", "李小龍"]
MESSAGE = "Names cannot contain control or invisible formatting characters"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_rule_refuses_each_bad_name_in_words(name):
    assert name_problem(name).startswith(("U+", "a line break", "a tab"))
    with pytest.raises(Exception, match=MESSAGE):
        validate_person_name(name)


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_the_rule_accepts_names_in_any_script(name):
    assert name_problem(name) == ""
    validate_person_name(name)


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("field", ["name", "preferred_name"])
def test_hr_candidate_form(client, hr_user, name, field):
    client.force_login(hr_user)
    data = {"name": "Ada Lovelace", "email": "ada@example.com", field: name}
    response = client.post(reverse("candidates:candidate_create"), data)
    assert response.status_code in (200, 400)
    assert MESSAGE in response.content.decode()
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_reapply_form(client, name):
    letter = make_letter(decided_at=LONG_AGO)
    before = letter.application.candidate.name
    response = client.post(candidate_url("reapply", letter, "reapply"), _form(letter, name=name))
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    letter.application.candidate.refresh_from_db()
    assert letter.application.candidate.name == before
    assert not Application.objects.filter(previous=letter.application).exists()


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("column", ["name", "preferred_name"])
def test_csv_import(hr_user, name, column):
    job = job_with_pipeline()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "preferred_name", "email", "job"])
    row = {"name": "Ada Lovelace", "preferred_name": "", column: name}
    writer.writerow([row["name"], row["preferred_name"], "ada@example.com", job.pk])
    plan = csv_import.plan_import(out.getvalue())
    assert not plan.ok
    messages = " ".join(message for _line, message in plan.errors)
    assert "cell contains" in messages
    with pytest.raises(csv_import.ImportRefused):
        csv_import.applications_import(text=out.getvalue(), by=hr_user)
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("field", ["name", "preferred_name"])
def test_api(hr_user, name, field):
    _, key = make_token(hr_user, scope="write")
    data = {"name": "Ada Lovelace", "email": "ada@example.org", field: name}
    response = client_for(key).post(reverse("api:candidate-list"), data, format="json")
    assert response.status_code == 400, response.content
    assert MESSAGE in " ".join(response.json()[field])
    assert not Candidate.objects.exists()


@pytest.fixture
def scim_auth(db):
    admin = AdminFactory(username="ada_admin")
    _token, raw = staff_services.scim_token_create(by=admin, name="Okta test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("part", ["givenName", "familyName"])
def test_scim_user(client, scim_auth, name, part):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "rosa.parks@corp.example",
        "name": {"givenName": "Rosa", "familyName": "Parks", part: name},
        "emails": [{"value": "rosa.parks@corp.example", "primary": True}],
        "active": True,
    }
    response = client.post(
        "/scim/v2/Users", data=json.dumps(body), content_type="application/scim+json", **scim_auth
    )
    assert response.status_code == 400, response.content
    assert MESSAGE in response.content.decode()
    assert not get_user_model().objects.filter(username="rosa.parks@corp.example").exists()
    # A PATCH of the name is refused the same way.
    person = get_user_model().objects.get(username="ada_admin")
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": f"name.{part}", "value": name}],
    }
    response = client.patch(
        f"/scim/v2/Users/{person.pk}",
        data=json.dumps(patch),
        content_type="application/scim+json",
        **scim_auth,
    )
    assert response.status_code == 400, response.content
    person.refresh_from_db()
    assert name not in (person.first_name, person.last_name)


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_staff_people_form(client, name, field):
    client.force_login(AdminFactory())
    data = {"first_name": "Rosa", "last_name": "Parks", "email": "rosa@corp.example", field: name}
    response = client.post(reverse("staff:person_create"), data)
    assert MESSAGE in response.content.decode()
    assert not get_user_model().objects.filter(email="rosa@corp.example").exists()
