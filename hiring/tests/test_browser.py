"""Chromium through Playwright, against the live server: the two journeys of issue 3."""

import datetime as dt

import pytest
from django.utils import timezone

from hiring.models import Decision, Job, Scorecard
from tests.e2e.helpers import log_in as _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_interviewer_submits_a_scorecard_and_records_a_no_hire_with_two_points(page, live_server, groups):
    from hiring.tests.factories import (
        ApplicationFactory,
        InterviewerFactory,
        InterviewFactory,
        job_with_pipeline,
    )

    page.set_default_timeout(10_000)
    alice = InterviewerFactory(username="alice", first_name="Alice", last_name="Ito")
    job = job_with_pipeline(title="Backend Engineer")
    application = ApplicationFactory(job=job, candidate__name="Dana Doe")
    interview = InterviewFactory(
        application=application, interviewer=alice, scheduled_at=timezone.now() - dt.timedelta(hours=2)
    )
    first, second = interview.stage.criteria.all()

    _log_in(page, live_server, alice)
    page.get_by_role("heading", name="My interviews").wait_for()
    page.get_by_role("link", name="Scorecard for Dana Doe").click()

    card1 = page.get_by_role("group", name=f"1. {first.name}")
    card1.get_by_label("1 – Strong no").check()
    card1.get_by_label("Evidence: what the candidate said or did").fill(
        "Designed a fixed-window limiter and did not say how bursts at the boundary are handled."
    )
    card1.get_by_label("Note that may be shared with the candidate (optional)").fill(
        "Compare a sliding window or a token bucket and say which trade-off you would pick."
    )
    card2 = page.get_by_role("group", name=f"2. {second.name}")
    card2.get_by_label("3 – Yes").check()
    card2.get_by_label("Evidence: what the candidate said or did").fill("Explained the design clearly.")
    page.get_by_role("group", name="Overall").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Submit scorecard").click()
    page.get_by_text("Scorecard submitted").wait_for()

    page.get_by_role("link", name="Record decision").click()
    page.get_by_label("No hire").check()
    # The low rating is proposed as the first point; add a second one inline.
    rows = page.locator("[data-point-row]")
    assert rows.count() == 1
    assert "fixed-window" in rows.nth(0).get_by_label("What the candidate said or did").input_value()
    page.get_by_role("button", name="Add a point").click()
    rows.nth(1).wait_for()
    rows.nth(1).get_by_label("Criterion").select_option(label=f"{second.name} ({interview.stage.name})")
    rows.nth(1).get_by_label("What the candidate said or did").fill(
        "Took twenty minutes before naming the storage layer."
    )
    rows.nth(1).get_by_label("What would have been stronger").fill(
        "State the overall shape first, then go into the parts."
    )
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("No hire recorded").wait_for()

    assert Scorecard.objects.get(interview=interview).locked
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Decision.Outcome.NO_HIRE
    assert decision.points.count() == 2


def test_hr_creates_a_job_with_three_stages(page, live_server, groups):
    from hiring.tests.factories import HRFactory

    page.set_default_timeout(10_000)
    hana = HRFactory(username="hana")
    _log_in(page, live_server, hana)
    page.goto(f"{live_server.url}/jobs/new/")
    page.get_by_label("Title").fill("Site Reliability Engineer")
    page.get_by_role("button", name="Create job and add stages").click()
    page.get_by_role("heading", name="Stages and criteria").wait_for()
    for count, name in enumerate(("Resume review", "Phone screen", "Onsite"), start=1):
        add_form = page.locator("form.add-stage")
        add_form.get_by_label("Stage name").fill(name)
        add_form.get_by_role("button", name="Add stage").click()
        page.get_by_role("heading", name=f"Stage {count}: {name}").wait_for()
    job = Job.objects.get(title="Site Reliability Engineer")
    assert list(job.stages.order_by("position").values_list("name", flat=True)) == [
        "Resume review",
        "Phone screen",
        "Onsite",
    ]
