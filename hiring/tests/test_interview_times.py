"""An interview cannot take place before its application was opened.

A tester could schedule an interview days before the application existed; HR is now told,
next to the time, when the application was opened.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.dates import org_tz
from hiring.models import Application, Interview
from hiring.services.errors import HiringError
from hiring.services.interviews import interview_assign, scheduled_before_application
from hiring.tests.factories import ApplicationFactory, InterviewerFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    """An application opened ten days ago at 14:00, organisation's time."""
    application = ApplicationFactory(job=job_with_pipeline())
    day = timezone.localdate(timezone.now(), org_tz()) - dt.timedelta(days=10)
    opened = dt.datetime.combine(day, dt.time(14, 0), tzinfo=org_tz())
    Application.objects.filter(pk=application.pk).update(created_at=opened)
    application.refresh_from_db()
    return application


def _opened_words(application) -> str:
    day = date_format(timezone.localtime(application.created_at, org_tz()), "j F Y")
    return f"The application was opened on {day}: the interview cannot be earlier."


def _assign(application, hr_user, scheduled_at):
    return interview_assign(
        application=application,
        stage=application.job.stages.first(),
        interviewer=InterviewerFactory(),
        by=hr_user,
        scheduled_at=scheduled_at,
    )


@pytest.mark.parametrize("before", [dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)])
def test_an_interview_before_the_application_was_opened_is_refused_in_words(application, hr_user, before):
    with pytest.raises(HiringError) as refused:
        _assign(application, hr_user, application.created_at - before)
    assert refused.value.field == "scheduled_at"
    assert refused.value.message == _opened_words(application)
    assert not Interview.objects.exists()


@pytest.mark.parametrize("after", [dt.timedelta(0), dt.timedelta(hours=2), dt.timedelta(days=3)])
def test_an_interview_at_or_after_the_opening_is_kept(application, hr_user, after):
    interview = _assign(application, hr_user, application.created_at + after)
    assert interview.scheduled_at == application.created_at + after


def test_an_interview_not_scheduled_yet_is_kept(application, hr_user):
    assert _assign(application, hr_user, None).scheduled_at is None
    assert scheduled_before_application(None, application) == ""


def test_the_assign_form_says_when_the_application_was_opened_next_to_the_time(client, hr_user, application):
    client.force_login(hr_user)
    too_early = timezone.localtime(application.created_at, org_tz()) - dt.timedelta(days=2)
    with timezone.override(org_tz()):
        response = client.post(
            reverse("hiring:interview_assign", args=[application.pk]),
            {
                "stage": application.job.stages.first().pk,
                "interviewer": InterviewerFactory().pk,
                "scheduled_at": too_early.strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert response.status_code == 200
    assert response.context["form"].errors["scheduled_at"] == [_opened_words(application)]
    assert not Interview.objects.exists()
