"""The decision form's missing-scorecard notice names the decider's own missing scorecard, and says
when interviews of the stage have not happened yet (a fresh-eyes review: Alice's own form showed
nothing while the manager's named her; a decision could be recorded before the interviews)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hiring.tests.factories import (
    ApplicationFactory,
    InterviewerFactory,
    InterviewFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


def form_page(client, application, user) -> str:
    client.force_login(user)
    return client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()


def test_the_notice_names_the_deciders_own_missing_scorecard(client):
    application = ApplicationFactory(job=job_with_pipeline(), candidate__name="Rosa Rossi")
    alice = InterviewerFactory(first_name="Alice", last_name="Ito")
    InterviewFactory(application=application, interviewer=alice)

    page = form_page(client, application, alice)

    assert "You have not submitted your own scorecard for this stage yet" in page


def test_the_notice_says_how_many_interviews_of_the_stage_have_not_happened_yet(client):
    application = ApplicationFactory(job=job_with_pipeline(), candidate__name="Rosa Rossi")
    alice = InterviewerFactory(first_name="Alice", last_name="Ito")
    later = timezone.now() + dt.timedelta(days=2)
    InterviewFactory(
        application=application, interviewer=alice, scheduled_at=timezone.now() - dt.timedelta(days=1)
    )
    InterviewFactory(application=application, scheduled_at=later)
    InterviewFactory(application=application, scheduled_at=later)

    page = form_page(client, application, alice)

    assert "2 interviews of this stage have not happened yet." in page


def test_no_future_interview_no_such_notice(client):
    application = ApplicationFactory(job=job_with_pipeline(), candidate__name="Rosa Rossi")
    alice = InterviewerFactory(first_name="Alice", last_name="Ito")
    InterviewFactory(
        application=application, interviewer=alice, scheduled_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert 'id="future-interviews"' not in form_page(client, application, alice)
