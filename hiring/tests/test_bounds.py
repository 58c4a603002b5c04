"""Sizes and dates people type are bounded where they are stored and where they are typed: a
1 MB job description, a year-9999 interview or a NUL in a search gets a sentence next to the
field, never a 500 and never a row."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from candidates.services import candidate_create
from feedback.letters import services as letter_services
from feedback.models import TEMPLATE_BODY_MAX_LENGTH, LetterTemplate
from hiring.models import (
    DESCRIPTION_MAX_LENGTH,
    GUIDANCE_MAX_LENGTH,
    OVERRIDE_REASON_MAX_LENGTH,
    Criterion,
    Interview,
    Job,
    Stage,
)
from hiring.services import interviews as interview_services
from hiring.services import jobs as job_services
from hiring.services.errors import HiringError
from hiring.tests.factories import ApplicationFactory, InterviewerFactory, InterviewFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


def _job_form(**overrides):
    data = {
        "title": "Backend Engineer",
        "team": "Platform",
        "description": "Build the platform.",
        "status": "open",
        "reapply_cooldown_days": "182",
        "feedback_deadline_days": "5",
    }
    data.update(overrides)
    return data


# Job description, stage names, criterion guidance ---------------------------------------------


def test_a_job_description_over_the_limit_is_refused_next_to_the_field(client, hr_user):
    client.force_login(hr_user)
    response = client.post(reverse("hiring:job_create"), _job_form(description="x" * 1_000_000))
    assert response.status_code == 200
    errors = response.context["form"].errors["description"]
    assert errors == [f"Ensure this value has at most {DESCRIPTION_MAX_LENGTH} characters (it has 1000000)."]
    assert not Job.objects.exists()


def test_a_job_description_at_the_limit_is_kept(client, hr_user):
    client.force_login(hr_user)
    response = client.post(reverse("hiring:job_create"), _job_form(description="x" * DESCRIPTION_MAX_LENGTH))
    assert response.status_code == 302
    assert len(Job.objects.get().description) == DESCRIPTION_MAX_LENGTH


def test_the_model_refuses_an_over_long_description_on_every_path(hr_user):
    with pytest.raises(ValidationError) as refused:
        job_services.job_create(by=hr_user, title="Backend", description="x" * (DESCRIPTION_MAX_LENGTH + 1))
    assert "description" in refused.value.message_dict
    job = job_services.job_create(by=hr_user, title="Backend")
    with pytest.raises(ValidationError):
        job_services.job_update(job=job, by=hr_user, description="x" * (DESCRIPTION_MAX_LENGTH + 1))


def test_a_nul_in_a_job_field_is_a_field_error_not_a_500(client, hr_user):
    client.force_login(hr_user)
    response = client.post(reverse("hiring:job_create"), _job_form(title="Back\x00end", description="a\x00b"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["title"] == ["Null characters are not allowed."]
    assert form.errors["description"] == ["Null characters are not allowed."]
    assert not Job.objects.exists()


def test_criterion_guidance_over_the_limit_is_refused_by_form_and_model(client, hr_user):
    job = job_with_pipeline(stages=("Technical interview",))
    stage = job.stages.get()
    before = Criterion.objects.count()
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:criterion_add", args=[stage.pk]),
        {
            f"new-criterion-{stage.pk}-name": "System design",
            f"new-criterion-{stage.pk}-guidance": "x" * (GUIDANCE_MAX_LENGTH + 1),
        },
        follow=True,
    )
    assert (
        f"What good looks like: Ensure this value has at most {GUIDANCE_MAX_LENGTH} characters"
        in response.content.decode()
    )
    assert Criterion.objects.count() == before
    with pytest.raises(ValidationError) as refused:
        job_services.criterion_add(
            stage=stage, by=hr_user, name="Design", guidance="x" * (GUIDANCE_MAX_LENGTH + 1)
        )
    assert "guidance" in refused.value.message_dict


def test_a_stage_name_over_the_limit_is_refused(client, hr_user):
    job = job_with_pipeline(stages=("Phone screen",))
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:stage_add", args=[job.pk]),
        {"new-stage-name": "x" * 121, "new-stage-interviews_planned": "1"},
        follow=True,
    )
    assert "Stage name: Ensure this value has at most 120 characters" in response.content.decode()
    with pytest.raises(ValidationError):
        job_services.stage_add(job=job, by=hr_user, name="x" * 121)
    assert list(Stage.objects.filter(job=job).values_list("name", flat=True)) == ["Phone screen"]


# Interviews: a sane time, a bounded override reason -------------------------------------------


@pytest.fixture
def application():
    application = ApplicationFactory(job=job_with_pipeline())
    # Opened two months ago, so that an interview last month is after the opening (which
    # interview_assign also requires: scheduled_before_application).
    opened = timezone.now() - dt.timedelta(days=60)
    type(application).objects.filter(pk=application.pk).update(created_at=opened)
    application.created_at = opened
    return application


def _assign(client, application, **data):
    return client.post(
        reverse("hiring:interview_assign", args=[application.pk]),
        {"stage": application.job.stages.first().pk, "interviewer": InterviewerFactory().pk, **data},
    )


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59", "1999-06-01T10:00"])
def test_an_interview_outside_a_year_back_and_two_ahead_is_refused_next_to_the_time(
    client, hr_user, application, when
):
    client.force_login(hr_user)
    response = _assign(client, application, scheduled_at=when)
    assert response.status_code == 200
    [error] = response.context["form"].errors["scheduled_at"]
    assert error.startswith("Choose a time between ")
    assert "at most a year back and two years ahead" in error
    assert not Interview.objects.exists()


def test_an_interview_next_month_or_last_month_is_kept(client, hr_user, application):
    client.force_login(hr_user)
    for days in (30, -30):
        when = timezone.localtime() + dt.timedelta(days=days)
        response = _assign(client, application, scheduled_at=when.strftime("%Y-%m-%dT%H:%M"))
        assert response.status_code == 302
    assert Interview.objects.count() == 2


def test_the_service_refuses_an_interview_time_outside_the_window(hr_user, application):
    with pytest.raises(HiringError) as refused:
        interview_services.interview_assign(
            application=application,
            stage=application.job.stages.first(),
            interviewer=InterviewerFactory(),
            by=hr_user,
            scheduled_at=timezone.now() + dt.timedelta(days=800),
        )
    assert refused.value.field == "scheduled_at"


def test_a_panel_override_reason_over_the_limit_is_refused(client, hr_user, application):
    before = ApplicationFactory(candidate=application.candidate, job=job_with_pipeline(title="Earlier"))
    earlier = InterviewFactory(application=before)
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:interview_assign", args=[application.pk]),
        {
            "stage": application.job.stages.first().pk,
            "interviewer": earlier.interviewer.pk,
            "override_reason": "x" * (OVERRIDE_REASON_MAX_LENGTH + 1),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"] == [
        f"Ensure this value has at most {OVERRIDE_REASON_MAX_LENGTH} characters (it has 2001)."
    ]
    with pytest.raises(HiringError) as refused:
        interview_services.interview_assign(
            application=application,
            stage=application.job.stages.first(),
            interviewer=earlier.interviewer,
            by=hr_user,
            override_reason="x" * (OVERRIDE_REASON_MAX_LENGTH + 1),
        )
    assert refused.value.field == "override_reason"
    assert not Interview.objects.filter(application=application).exists()


def test_a_cooldown_override_reason_over_the_limit_is_refused_next_to_the_field(client, hr_user):
    application = ApplicationFactory(job=job_with_pipeline())
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:application_create", args=[application.candidate.pk]),
        {"job": job_with_pipeline(title="Other").pk, "override_reason": "x" * 2001},
    )
    assert response.status_code in (200, 400)
    assert "at most 2000 characters" in response.content.decode()


# Letter templates, candidates ----------------------------------------------------------------


def test_a_letter_template_body_over_the_limit_is_refused_by_form_and_model(client, hr_user):
    client.force_login(hr_user)
    huge = "{greeting}\n" + "x" * TEMPLATE_BODY_MAX_LENGTH
    before = LetterTemplate.objects.count()
    response = client.post(
        reverse("feedback:template_create"),
        {"name": "Huge", "subject": "Your application", "body_text": huge, "body_html": "<p>{letter}</p>"},
    )
    assert response.status_code == 400
    assert (
        response.context["form"]
        .errors["body_text"][0]
        .startswith(f"Ensure this value has at most {TEMPLATE_BODY_MAX_LENGTH} characters")
    )
    template = LetterTemplate(
        name="Huge", subject="Your application", body_text=huge, body_html="<p>{letter}</p>"
    )
    with pytest.raises(ValidationError) as refused:
        letter_services.letter_template_save(template=template, by=hr_user)
    assert "body_text" in refused.value.message_dict
    assert LetterTemplate.objects.count() == before


def test_candidate_name_and_phone_are_bounded(hr_user):
    with pytest.raises(ValidationError) as refused:
        candidate_create(by=hr_user, name="x" * 201, email="a@example.com", phone="1" * 41)
    assert set(refused.value.message_dict) >= {"name", "phone"}


# NUL bytes where a search or a form takes text ------------------------------------------------


def test_a_nul_in_the_privacy_search_is_a_field_error_not_a_500(client, hr_user):
    client.force_login(hr_user)
    response = client.post(reverse("privacy:home"), {"q": "ro\x00sa"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert response.context["results"] is None


def test_a_one_letter_privacy_search_says_why_it_finds_nothing(client, hr_user):
    client.force_login(hr_user)
    response = client.post(reverse("privacy:home"), {"q": "r"})
    assert response.status_code == 400
    assert "Type at least 2 characters." in response.content.decode()
