"""Chromium through Playwright: HR fixes a flagged sentence in a letter, live, then approves it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"
SENTENCE = " Other candidates had more relevant experience."


def test_hr_sees_boilerplate_flagged_live_removes_it_and_approves(page, live_server, groups):
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
    csp_errors = []
    page.on(
        "console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    hana = HRFactory(username="hana", first_name="Hana", last_name="Reyes")
    application = ApplicationFactory(
        job=job_with_pipeline(title="Backend Engineer"), candidate__name="Dana Doe"
    )
    decision = DecisionFactory(application=application, outcome=Decision.Outcome.NO_HIRE)
    FeedbackPointFactory(decision=decision)
    letter = letter_draft(decision=decision)
    original = letter.body

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(hana.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Letters").first.click()
    page.get_by_role("link", name="Dana Doe").click()
    expect(page.get_by_role("heading", name="Letter to Dana Doe")).to_be_visible()
    findings = page.locator("#findings")
    expect(findings).to_contain_text("The quality check finds nothing")

    body = page.locator("#id_body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(SENTENCE)
    flagged = findings.locator("mark.finding-boilerplate")
    expect(flagged).to_contain_text(re.compile("other candidates", re.I))
    expect(findings).to_contain_text("Boilerplate")

    for _ in SENTENCE:
        page.keyboard.press("Backspace")
    expect(findings).to_contain_text("The quality check finds nothing")
    expect(flagged).to_have_count(0)
    assert body.input_value() == original

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    page.get_by_role("button", name="Approve and schedule").click()
    expect(page.locator("#letter-status")).to_have_text("Approved, scheduled")
    expect(page.get_by_role("button", name="Cancel sending")).to_be_visible()
    expect(page.frame_locator("iframe.email-preview").locator("body")).to_contain_text("Dear Dana,")

    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED
    assert letter.approved_by == hana and letter.send_after is not None
    assert not csp_errors, csp_errors


def test_insight_charts_draw_under_the_content_security_policy(page, live_server, groups):
    from django.utils import timezone

    from feedback.models import FeedbackLetter
    from feedback.tests.test_review_flow import make_letter
    from hiring.tests.factories import HRFactory

    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    hana = HRFactory(username="hana")
    letter = make_letter()
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.SENT, sent_at=timezone.now()
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(hana.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=re.compile("^Insight")).click()

    expect(page.get_by_role("heading", name="Insight", exact=True)).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('funnel-chart') !== undefined")
    assert not problems, problems
