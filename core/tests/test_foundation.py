import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from candidates.tests.factories import CandidateFactory
from core import roles
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    RatingFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


def test_roles_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


def test_candidate_email_is_unique_ignoring_case():
    CandidateFactory(email="Ada@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateFactory(email="ada@example.COM")


def test_second_final_decision_is_refused_by_the_database():
    job = job_with_pipeline()
    application = ApplicationFactory(job=job)
    stages = list(job.stages.order_by("position"))
    DecisionFactory(application=application, stage=stages[0], outcome=Decision.Outcome.NO_HIRE)
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionFactory(application=application, stage=stages[1], outcome=Decision.Outcome.HIRE)


def test_advances_at_different_stages_are_allowed():
    job = job_with_pipeline()
    application = ApplicationFactory(job=job)
    for stage in job.stages.order_by("position")[:2]:
        DecisionFactory(application=application, stage=stage, outcome=Decision.Outcome.ADVANCE)
    assert application.decisions.count() == 2


@pytest.mark.parametrize("score", [0, 5])
def test_rating_outside_one_to_four_is_refused_by_the_database(score):
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingFactory(score=score)


def test_closed_application_needs_closed_at():
    application = ApplicationFactory(job=job_with_pipeline())
    application.status = application.Status.REJECTED
    with pytest.raises(IntegrityError), transaction.atomic():
        application.save()
    application.closed_at = timezone.now()
    application.save()


def test_login_page_answers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in to Candor" in response.content


def test_home_sends_each_role_to_its_page(client, hr_user, interviewer):
    client.force_login(hr_user)
    assert client.get("/").url == reverse("feedback:hr_home")
    client.force_login(interviewer)
    assert client.get("/").url == reverse("hiring:my_interviews")


def test_pages_carry_a_strict_content_security_policy(client):
    csp = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
