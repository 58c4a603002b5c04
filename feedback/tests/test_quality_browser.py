"""Chromium through Playwright (issue 11): HR approves what is on the screen without saving first;
the decider sees the quality check under each point as they type."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_csp(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def test_hr_approves_unsaved_edits_and_they_are_what_gets_approved(page, live_server, groups):
    from feedback.letters.services import letter_draft
    from feedback.models import FeedbackLetter
    from hiring.models import Decision
    from hiring.tests.factories import (
        ApplicationFactory,
        DecisionFactory,
        FeedbackPointFactory,
        HRFactory,
        job_with_pipeline,
    )

    page.set_default_timeout(10_000)
    csp_errors = watch_csp(page)
    hana = HRFactory(username="hana")
    application = ApplicationFactory(
        job=job_with_pipeline(title="Backend Engineer"), candidate__name="Dana Doe"
    )
    decision = DecisionFactory(application=application, outcome=Decision.Outcome.NO_HIRE)
    FeedbackPointFactory(decision=decision)
    letter = letter_draft(decision=decision)
    added = (
        "\n\nYou also asked how the limits would be configured per customer, which was the right question."
    )

    log_in(page, live_server, hana)
    page.goto(f"{live_server.url}/hr/letters/{letter.pk}/")
    body = page.locator("#id_body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(added)
    # Not saved: straight to "Approve and schedule".
    page.get_by_role("button", name="Approve and schedule").click()

    expect(page.locator("#letter-status")).to_have_text("Approved, scheduled")
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED
    assert letter.body.endswith(added.strip())
    assert not csp_errors, csp_errors


def test_the_decider_sees_the_check_under_each_point_as_they_type(page, live_server, groups):
    from hiring.tests.factories import (
        ApplicationFactory,
        InterviewerFactory,
        InterviewFactory,
        job_with_pipeline,
    )

    page.set_default_timeout(10_000)
    csp_errors = watch_csp(page)
    application = ApplicationFactory(
        job=job_with_pipeline(title="Backend Engineer"), candidate__name="Rosa Rossi"
    )
    decider = InterviewerFactory(username="dana", first_name="Dana", last_name="Decider")
    InterviewFactory(application=application, interviewer=decider)
    InterviewFactory(
        application=application, interviewer=InterviewerFactory(first_name="Chen", last_name="Wu")
    )

    log_in(page, live_server, decider)
    page.goto(f"{live_server.url}/applications/{application.pk}/decision/")
    expect(page.locator("#missing-scorecards")).to_contain_text(
        "Chen Wu has not submitted a scorecard for this stage yet: decide anyway, or wait."
    )
    page.get_by_label("No hire").check()
    row = page.locator("[data-point-row]").first
    row.get_by_label("What the candidate said or did").fill("Given your recent surgery, we weren't sure.")

    expect(row.locator(".point-check mark.finding-personal_attribute")).to_contain_text("surgery")
    expect(page.locator("#points-check")).to_contain_text(re.compile(r"finds \d+ problems? in your points"))
    row.get_by_label("What the candidate said or did").fill(
        "You used a fixed window and did not say how bursts at the boundary are handled."
    )
    row.get_by_label("What would have been stronger").fill(
        "A stronger answer would compare a sliding window with a token bucket."
    )
    expect(page.locator("#points-check")).to_contain_text("The quality check finds nothing in your points.")
    expect(row.locator(".point-check mark")).to_have_count(0)
    assert not csp_errors, csp_errors
