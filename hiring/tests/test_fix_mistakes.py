"""Fixing mistakes on a panel (issue #17, item 2): un-assign, reschedule, times with their zone."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from hiring import hooks
from hiring.models import Decision, Interview, Scorecard
from hiring.services.errors import HiringError
from hiring.services.interviews_changes import interview_reschedule, interview_unassign
from hiring.templatetags.interview_times import interview_time
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    InterviewerFactory,
    InterviewFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(hiring_manager):
    return ApplicationFactory(job=job_with_pipeline(hiring_manager=hiring_manager))


@pytest.fixture
def interview(application, interviewer):
    return InterviewFactory(application=application, interviewer=interviewer)


# --- Un-assign ----------------------------------------------------------------------------------


def test_hr_unassigns_an_interviewer_and_it_is_audited(interview, hr_user):
    ScorecardFactory(interview=interview)  # a draft goes with it
    interview_unassign(interview=interview, by=hr_user)
    assert not Interview.objects.filter(pk=interview.pk).exists()
    event = AuditEvent.objects.get(verb="interview.unassign")
    assert event.actor == hr_user
    assert event.target_id == interview.application_id
    assert event.data["interviewer"] == interview.interviewer_id
    assert event.data["draft_scorecard_discarded"] is True


def test_the_jobs_hiring_manager_may_unassign_but_an_interviewer_may_not(interview, hiring_manager):
    with pytest.raises(HiringError):
        interview_unassign(interview=interview, by=InterviewerFactory())
    interview_unassign(interview=interview, by=hiring_manager)
    assert not Interview.objects.filter(pk=interview.pk).exists()


def test_a_submitted_scorecard_keeps_the_interviewer_on_the_panel(interview, hr_user):
    ScorecardFactory(
        interview=interview,
        status=Scorecard.Status.SUBMITTED,
        submitted_at=timezone.now(),
        recommendation="no",
    )
    with pytest.raises(HiringError, match="submitted their scorecard"):
        interview_unassign(interview=interview, by=hr_user)
    assert Interview.objects.filter(pk=interview.pk).exists()
    assert not AuditEvent.objects.filter(verb="interview.unassign").exists()


def test_a_decided_stage_keeps_its_panel(interview, hr_user):
    DecisionFactory(
        application=interview.application, stage=interview.stage, outcome=Decision.Outcome.ADVANCE
    )
    with pytest.raises(HiringError, match="decided already"):
        interview_unassign(interview=interview, by=hr_user)


def test_the_interview_changed_hook_is_called_for_notifications(interview, hr_user):
    calls = []

    def remember(**kwargs):
        calls.append({**kwargs, "pk": kwargs["interview"].pk})  # deleted after the call

    hooks.register_interview_changed_handler(remember)
    try:
        interview_unassign(interview=interview, by=hr_user)
    finally:
        hooks._interview_changed_handlers.pop(f"{remember.__module__}.{remember.__qualname__}")
    assert calls and calls[0]["change"] == "unassigned" and calls[0]["pk"] == interview.pk


def test_unassign_is_a_post_with_a_button_on_the_application_page(client, interview, hr_user):
    client.force_login(hr_user)
    page = client.get(reverse("hiring:application_detail", args=[interview.application_id]))
    url = reverse("hiring:interview_unassign", args=[interview.pk])
    assert f'action="{url}"' in page.content.decode()
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert not Interview.objects.filter(pk=interview.pk).exists()


def test_the_buttons_are_not_shown_to_an_interviewer(client, interview):
    client.force_login(interview.interviewer)
    page = client.get(reverse("hiring:application_detail", args=[interview.application_id])).content.decode()
    assert "Remove from panel" not in page and "Reschedule" not in page


def test_unassign_needs_csrf(interview, hr_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_user)
    response = client.post(reverse("hiring:interview_unassign", args=[interview.pk]))
    assert response.status_code == 403
    assert Interview.objects.filter(pk=interview.pk).exists()


# --- Reschedule ---------------------------------------------------------------------------------


def test_reschedule_moves_the_interview_and_audits_both_times(interview, hr_user):
    before = interview.scheduled_at
    later = timezone.now() + dt.timedelta(days=3)
    interview_reschedule(interview=interview, by=hr_user, scheduled_at=later)
    interview.refresh_from_db()
    assert interview.scheduled_at == later
    event = AuditEvent.objects.get(verb="interview.reschedule")
    assert event.data["from"] == before.astimezone(dt.UTC).isoformat()
    assert event.data["to"] == later.astimezone(dt.UTC).isoformat()


@pytest.mark.parametrize("when", [dt.timedelta(days=-400), dt.timedelta(days=800)])
def test_reschedule_is_refused_outside_the_scheduling_window(interview, hr_user, when):
    with pytest.raises(HiringError) as refused:
        interview_reschedule(interview=interview, by=hr_user, scheduled_at=timezone.now() + when)
    assert refused.value.field == "scheduled_at"
    assert not AuditEvent.objects.filter(verb="interview.reschedule").exists()


def test_reschedule_form_shows_the_refusal_next_to_the_field(client, interview, hr_user):
    client.force_login(hr_user)
    url = reverse("hiring:interview_reschedule", args=[interview.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Times are in" in page.content.decode()
    response = client.post(url, {"scheduled_at": "9999-01-01T10:00"})
    assert response.status_code == 200
    assert "two years ahead" in response.content.decode()
    response = client.post(url, {"scheduled_at": "not a time"})
    assert response.status_code == 200
    when = (timezone.localtime(timezone.now()) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.post(url, {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.scheduled_at == when


def test_reschedule_is_refused_on_a_closed_application(interview, hr_user):
    application = interview.application
    application.status = application.Status.WITHDRAWN
    application.closed_at = timezone.now()
    application.save()
    with pytest.raises(HiringError, match="closed"):
        interview_reschedule(interview=interview, by=hr_user, scheduled_at=timezone.now())


def test_another_jobs_manager_gets_404(client, interview):
    from hiring.tests.factories import HiringManagerFactory

    client.force_login(HiringManagerFactory())
    assert client.get(reverse("hiring:interview_reschedule", args=[interview.pk])).status_code == 404
    assert client.post(reverse("hiring:interview_unassign", args=[interview.pk])).status_code == 404


# --- Time zones ---------------------------------------------------------------------------------


def test_interview_times_carry_their_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        winter = dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC)
        summer = dt.datetime(2026, 7, 3, 12, 0, tzinfo=dt.UTC)
        assert interview_time(winter) == "Thu 3 Dec 2026, 14:00 CET"
        assert interview_time(summer) == "Fri 3 Jul 2026, 14:00 CEST"
    assert interview_time(None) == "not scheduled"


def test_the_application_page_labels_interview_times(client, interview, hr_user):
    client.force_login(hr_user)
    page = client.get(reverse("hiring:application_detail", args=[interview.application_id])).content.decode()
    expected = interview_time(interview.scheduled_at)
    assert expected in page
    assert expected.rsplit(" ", 1)[1].isalpha()  # "GMT", "BST", "CET" …
