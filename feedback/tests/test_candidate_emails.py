"""Reminder and answer emails: parts, headers, links, and who gets nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback.models import FeedbackRequest
from feedback.portal import services
from feedback.portal.emails import (
    answer_skip_reason,
    build_answer_message,
    build_reminder_message,
    reminder_skip_reason,
)
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter
from hiring.models import Application, Job
from hiring.tests.factories import ApplicationFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


def _reminder(**kwargs):
    letter = make_letter(**kwargs)
    return letter, services.reminder_opt_in(letter=letter)


def test_reminder_has_text_and_html_and_stable_headers():
    letter, reminder = _reminder()
    msg = build_reminder_message(reminder)
    again = build_reminder_message(reminder)
    assert msg.to == [letter.application.candidate.email]
    assert msg.extra_headers["Message-ID"] == reminder.message_id == again.extra_headers["Message-ID"]
    assert msg.extra_headers["List-Unsubscribe"].startswith("<http://testserver/c/unsubscribe/")
    assert msg.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.alternatives[0].mimetype == "text/html"
    assert "/c/reapply/" in msg.body
    assert "/c/reapply/" in msg.alternatives[0].content
    parsed = msg.message()
    assert parsed["Message-ID"] == reminder.message_id
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_reminder_links_to_the_same_job_when_open():
    letter, reminder = _reminder()
    msg = build_reminder_message(reminder)
    assert f"The {letter.application.job.title} role is still open" in msg.body


def test_reminder_lists_team_jobs_when_the_job_is_closed():
    letter, reminder = _reminder()
    Job.objects.filter(pk=letter.application.job_id).update(status=Job.Status.CLOSED)
    job_with_pipeline(team=letter.application.job.team, title="Staff Engineer")
    msg = build_reminder_message(reminder)
    assert "Staff Engineer" in msg.body
    assert "/c/reapply/" in msg.body


def test_reminder_links_to_careers_page_when_nothing_is_open(settings):
    settings.CANDOR_CAREERS_URL = "https://careers.example.com/jobs"
    letter, reminder = _reminder()
    Job.objects.filter(pk=letter.application.job_id).update(status=Job.Status.CLOSED)
    msg = build_reminder_message(reminder)
    assert "https://careers.example.com/jobs" in msg.body
    assert "/c/reapply/" not in msg.body


def test_job_title_with_newline_cannot_inject_headers():
    letter, reminder = _reminder()
    Job.objects.filter(pk=letter.application.job_id).update(title="Dev\r\nBcc: evil@example.com")
    reminder.refresh_from_db()
    request = request_services.request_create(letter=letter, question="Why?")
    request.answer = "Because."
    msg = build_answer_message(request).message()
    assert "Bcc" not in {k for k, _ in msg.items()}
    assert "\n" not in msg["Subject"]
    build_reminder_message(reminder).message()


def test_candidate_name_is_escaped_in_html():
    letter, reminder = _reminder()
    candidate = letter.application.candidate
    # The greeting uses the preferred name (else the first name): the markup goes there.
    candidate.name = candidate.preferred_name = '<b onmouseover="x">Sam</b>'
    candidate.save()
    reminder.refresh_from_db()
    html = build_reminder_message(reminder).alternatives[0].content
    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover" in html


def test_answer_email_carries_question_and_answer(hr_user):
    letter = make_letter()
    request = request_services.request_create(letter=letter, question="What <would> help?")
    request = request_services.request_answer(
        request=request, by=letter.decision.decided_by, answer="Practise naming trade-offs & limits."
    )
    msg = build_answer_message(request)
    assert "What <would> help?" in msg.body
    assert "Practise naming trade-offs & limits." in msg.body
    assert "Dana Decider" in msg.body
    assert "What &lt;would&gt; help?" in msg.alternatives[0].content
    assert msg.extra_headers["Message-ID"] == request.message_id
    assert msg.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_reminder_skip_reasons():
    letter, reminder = _reminder()
    assert reminder_skip_reason(reminder) is None
    ApplicationFactory(
        candidate=letter.application.candidate,
        job=letter.application.job,
        previous=letter.application,
        source=Application.Source.REAPPLY,
    )
    assert "reapplied" in reminder_skip_reason(reminder)

    letter, reminder = _reminder()
    candidate = letter.application.candidate
    candidate.unsubscribed_at = timezone.now()
    candidate.save()
    assert "unsubscribed" in reminder_skip_reason(reminder)

    letter, reminder = _reminder()
    candidate = letter.application.candidate
    candidate.erased_at = timezone.now()
    candidate.save()
    assert "erased" in reminder_skip_reason(reminder)


def test_answer_skip_reason_for_unsubscribed():
    letter = make_letter()
    request = FeedbackRequest.objects.create(
        letter=letter, question="Q", asked_at=timezone.now(), deadline=timezone.now() + dt.timedelta(days=5)
    )
    assert answer_skip_reason(request) is None
    services.candidate_unsubscribe(candidate=letter.application.candidate)
    request.refresh_from_db()
    assert answer_skip_reason(request) == "The candidate unsubscribed."
