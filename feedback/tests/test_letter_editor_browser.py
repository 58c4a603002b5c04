"""Chromium through Playwright: two tabs on one letter. Tab A saves an edit; tab B, opened before,
clicks "Approve and schedule" with its old text: refused, B's text stays on the screen, A's edit
is kept (optimistic concurrency, fresh-eyes review 1)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stale_tab_cannot_approve_over_another_tabs_edit(page, live_server, groups):
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
    hana = HRFactory(username="hana", first_name="Hana", last_name="Reyes")
    application = ApplicationFactory(
        job=job_with_pipeline(title="Backend Engineer"), candidate__name="Dana Doe"
    )
    decision = DecisionFactory(application=application, outcome=Decision.Outcome.NO_HIRE)
    FeedbackPointFactory(decision=decision)
    letter = letter_draft(decision=decision)
    url = f"{live_server.url}/hr/letters/{letter.pk}/"

    log_in(page, live_server, hana)
    tab_b = page.context.new_page()
    tab_b.set_default_timeout(10_000)
    tab_b.goto(url)  # B opens the letter first
    page.goto(url)  # A
    page.locator("#id_body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nAdded in tab A.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The letter is in review.")).to_be_visible()

    tab_b.locator("#id_body").click()
    tab_b.keyboard.press("Control+End")
    tab_b.keyboard.type("\n\nAdded in tab B.")
    tab_b.get_by_role("button", name="Approve and schedule").click()

    expect(tab_b.get_by_text("This letter was changed by Hana Reyes")).to_be_visible()
    assert tab_b.locator("#id_body").input_value().rstrip().endswith("Added in tab B.")
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW
    assert letter.body.endswith("Added in tab A.") and "tab B" not in letter.body
