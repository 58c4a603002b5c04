"""Chromium through Playwright (issue #17): HR fixes mistakes on the application page; the hiring
manager reads their pipeline; the decider's questions name the candidate."""

import datetime as dt

import pytest
from django.utils import timezone

from hiring.models import Application, Decision, Interview
from tests.e2e.helpers import log_in as _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_reschedules_removes_and_withdraws_a_decision(page, live_server, groups):
    from feedback.models import FeedbackLetter
    from hiring.services.decisions import decision_record
    from hiring.tests.factories import (
        ApplicationFactory,
        HRFactory,
        InterviewerFactory,
        InterviewFactory,
        job_with_pipeline,
    )

    page.set_default_timeout(10_000)
    hr = HRFactory(username="hana")
    job = job_with_pipeline(title="Backend Engineer")
    application = ApplicationFactory(job=job, candidate__name="Dana Doe")
    bob = InterviewerFactory(username="bob", first_name="Bob", last_name="Novak")
    InterviewFactory(application=application, interviewer=bob)
    # A second application, rejected by mistake.
    rejected = ApplicationFactory(job=job, candidate__name="Eve Eng")
    alice = InterviewerFactory(username="alice", first_name="Alice", last_name="Ito")
    InterviewFactory(application=rejected, interviewer=alice)
    decision = decision_record(
        application=rejected,
        stage=rejected.current_stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=alice,
        points=[
            {
                "criterion": rejected.current_stage.criteria.first().pk,
                "observation": "You did not say how bursts at the window boundary are handled.",
                "suggestion": "Compare a sliding window with a token bucket.",
            }
        ],
    )

    _log_in(page, live_server, hr)
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    page.get_by_role("link", name="Reschedule").click()
    when = timezone.localtime(timezone.now() + dt.timedelta(days=5)).replace(hour=14, minute=0)
    page.get_by_label("New time").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save the new time").click()
    page.get_by_text("Interview rescheduled.").wait_for()
    assert Interview.objects.get(application=application).scheduled_at == when.replace(
        second=0, microsecond=0
    )
    assert when.strftime("%H:00 ") in page.content()

    page.get_by_role("button", name="Remove Bob Novak from the Resume review panel").click()
    page.get_by_text("Bob Novak is no longer on the Resume review panel.").wait_for()
    assert not Interview.objects.filter(application=application).exists()

    page.goto(f"{live_server.url}/applications/{rejected.pk}/")
    page.get_by_role("link", name="Withdraw this decision").click()
    page.get_by_label("Why is this decision withdrawn?").fill("Recorded on the wrong candidate.")
    page.get_by_role("button", name="Withdraw the decision").click()
    page.get_by_text("Decision withdrawn.").wait_for()
    assert Application.objects.get(pk=rejected.pk).is_open
    assert FeedbackLetter.objects.get(decision_id=decision.pk).status == FeedbackLetter.Status.CANCELLED


def test_manager_reads_the_pipeline_and_the_decider_their_questions(page, live_server, groups):
    from feedback.requests import services as request_services
    from feedback.tests.candidate_helpers import make_letter
    from hiring.tests.factories import (
        ApplicationFactory,
        HiringManagerFactory,
        InterviewerFactory,
        InterviewFactory,
        job_with_pipeline,
    )

    page.set_default_timeout(10_000)
    manager = HiringManagerFactory(username="max", first_name="Max", last_name="Mendel")
    job = job_with_pipeline(title="Backend Engineer", hiring_manager=manager)
    waiting = ApplicationFactory(job=job, candidate__name="Dana Doe")
    alice = InterviewerFactory(username="alice", first_name="Alice", last_name="Ito")
    InterviewFactory(
        application=waiting, interviewer=alice, scheduled_at=timezone.now() - dt.timedelta(days=2)
    )
    letter = make_letter(job=job)
    own = InterviewFactory(
        application=letter.application, interviewer=letter.decision.decided_by, stage=letter.decision.stage
    )
    request_services.request_create(letter=letter, question="What would a strong design answer include?")

    _log_in(page, live_server, manager)
    page.get_by_role("link", name="See the pipeline of my jobs").click()
    page.get_by_role("heading", name="Backend Engineer").wait_for()
    row = page.get_by_role("row").filter(has_text="Dana Doe")
    assert "scorecard from Alice Ito" in row.inner_text()
    assert "2 days" in row.inner_text()
    assert "Sent: 1" in page.content() or "Sent: <strong>1</strong>" in page.content()

    page.context.clear_cookies()
    decider = letter.decision.decided_by
    _log_in(page, live_server, decider)
    page.goto(f"{live_server.url}/requests/")
    page.get_by_text(letter.application.candidate.name).first.wait_for()
    page.get_by_role("link", name=f"My scorecard ({own.stage.name})").click()
    page.wait_for_url(f"**/interviews/{own.pk}/scorecard/")


def test_decider_must_tick_decide_anyway_while_a_colleague_has_not_submitted(page, live_server, groups):
    from hiring.tests.factories import (
        ApplicationFactory,
        InterviewerFactory,
        InterviewFactory,
        job_with_pipeline,
    )

    page.set_default_timeout(10_000)
    job = job_with_pipeline(title="Backend Engineer")
    application = ApplicationFactory(job=job, candidate__name="Dana Doe")
    dana = InterviewerFactory(username="dana", first_name="Dana", last_name="Decider")
    chen = InterviewerFactory(username="chen", first_name="Chen", last_name="Wu")
    InterviewFactory(application=application, interviewer=dana)
    InterviewFactory(application=application, interviewer=chen)
    criterion = application.current_stage.criteria.first()

    _log_in(page, live_server, dana)
    page.goto(f"{live_server.url}/applications/{application.pk}/decision/")
    page.get_by_text("Chen Wu has not submitted a scorecard for this stage yet").wait_for()
    page.get_by_label("No hire").check()
    row = page.locator("[data-point-row]").first
    row.get_by_label("Criterion").select_option(label=f"{criterion.name} ({application.current_stage.name})")
    row.get_by_label("What the candidate said or did").fill(
        "You used a fixed window and did not say how bursts at the boundary are handled."
    )
    row.get_by_label("What would have been stronger").fill(
        "A stronger answer would compare a sliding window with a token bucket."
    )
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Not submitted yet: Chen Wu.").wait_for()
    assert not Decision.objects.filter(application=application).exists()

    page.get_by_label("Decide anyway, without the missing scorecards (Chen Wu)").check()
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("No hire recorded.").wait_for()
    assert Application.objects.get(pk=application.pk).status == Application.Status.REJECTED
