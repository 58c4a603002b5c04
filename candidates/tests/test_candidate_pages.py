import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates.models import Candidate
from candidates.services import candidate_create
from candidates.tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def test_email_differing_only_in_case_is_a_duplicate(hr_user):
    candidate_create(by=hr_user, name="Ana", email="ana@example.com")
    with pytest.raises(ValidationError) as exc:
        candidate_create(by=hr_user, name="Ana again", email="ANA@Example.com")
    assert "already exists" in exc.value.message_dict["email"][0]


def test_add_candidate_form_shows_errors_next_to_fields(client, hr_user):
    CandidateFactory(email="taken@example.com")
    client.force_login(hr_user)
    page = client.post(
        reverse("candidates:candidate_create"),
        {"name": "", "email": "TAKEN@example.com", "time_zone": "Mars/Olympus"},
    ).content.decode()
    assert "This field is required." in page
    assert "not a time zone we know" in page
    client.post(
        reverse("candidates:candidate_create"),
        {"name": "Zoë Ünicode", "email": "TAKEN@example.com", "time_zone": "Europe/Berlin"},
    )
    assert Candidate.objects.count() == 1


def test_unicode_name_and_markup_are_escaped(client, hr_user):
    client.force_login(hr_user)
    response = client.post(
        reverse("candidates:candidate_create"),
        {"name": "<script>alert(1)</script> Zoë", "email": "zoe@example.com", "consent": "on"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page and "Zoë" in page
    assert Candidate.objects.get().consent_given_at is not None


def test_search_keeps_names_out_of_the_url(client, hr_user):
    CandidateFactory(name="Priya Patel")
    CandidateFactory(name="Sam Smith")
    client.force_login(hr_user)
    response = client.post(reverse("candidates:candidate_list"), {"q": "priya"})
    assert response["Location"] == reverse("candidates:candidate_list")
    page = client.get(response["Location"]).content.decode()
    assert "Priya Patel" in page and "Sam Smith" not in page
    client.post(reverse("candidates:candidate_list"), {"q": "", "clear": "1"})
    assert "Sam Smith" in client.get(reverse("candidates:candidate_list")).content.decode()


def test_candidate_list_is_paginated(client, hr_user):
    for i in range(30):
        CandidateFactory(name=f"Person {i:02d}")
    client.force_login(hr_user)
    first = client.get(reverse("candidates:candidate_list")).content.decode()
    assert "Person 00" in first and "Person 29" not in first
    assert "Person 29" in client.get(reverse("candidates:candidate_list"), {"page": 2}).content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_candidate_list_query_count_does_not_grow(client, hr_user, django_assert_max_num_queries, rows):
    for _ in range(rows):
        CandidateFactory()
    client.force_login(hr_user)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("candidates:candidate_list")).status_code == 200
