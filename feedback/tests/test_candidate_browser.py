"""Chromium through Playwright, on a phone-sized screen: the candidate follows the link from the
letter that the aiosmtpd server actually received, opts in, downloads the .ics, asks, rates and
unsubscribes; then the reminder arrives and they reapply."""

import io
import re

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def csp_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def _text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(text: str, path: str) -> str:
    match = re.search(rf"https?://\S+/c/{path}[^\s>]+/", text)
    assert match, f"no /c/{path} link in:\n{text}"
    return match.group(0)


def _send(kind, row):
    from outbox.services import delivery_connections_close, delivery_send

    delivery_connections_close()
    assert delivery_send(kind=kind, pk=row.pk) == "sent"


def _no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_candidate_uses_the_page_from_the_received_letter(
    page, live_server, smtp_sink, settings, groups, csp_errors, tmp_path
):
    from feedback.models import CandidateRating, FeedbackLetter, FeedbackRequest, ReapplyReminder
    from feedback.tests.candidate_helpers import make_letter

    settings.CANDOR_BASE_URL = live_server.url
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)

    letter = make_letter(status=FeedbackLetter.Status.SCHEDULED)
    FeedbackLetter.objects.filter(pk=letter.pk).update(send_after=timezone.now())
    candidate = letter.application.candidate
    _send("letter", letter)
    assert smtp_sink.wait_for(1, timeout=10)
    [received] = smtp_sink.messages_to(candidate.email)
    page_link = _link(_text_part(received), "")

    page.goto(page_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your feedback")
    expect(page.get_by_role("heading", name="How far you got")).to_be_visible()
    _no_horizontal_scroll(page)

    # Remind me.
    page.get_by_role("button", name="Remind me when I can reapply").click()
    expect(page.get_by_text(re.compile(r"We will email you on .* to remind you"))).to_be_visible()
    expect(page.get_by_role("button", name="Don't remind me")).to_be_visible()
    assert ReapplyReminder.objects.get().status == "scheduled"

    # Add to calendar: a real download of a parseable .ics.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    [event] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert "reapply" in str(event["SUMMARY"]).lower()

    # Ask for more detail.
    page.get_by_label("Your question").fill("Which trade-offs should I have named?")
    page.get_by_role("button", name="Send my question").click()
    expect(page.get_by_text("Which trade-offs should I have named?")).to_be_visible()
    expect(page.get_by_text("Waiting for an answer")).to_be_visible()
    assert FeedbackRequest.objects.get().question == "Which trade-offs should I have named?"

    # Rate, with the keyboard-usable radio labels.
    page.get_by_label("4 – Very useful").check()
    page.get_by_label("Anything you would like to add? (optional)").fill("Specific, thank you.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("You rated it 4 out of 5")).to_be_visible()
    assert CandidateRating.objects.get().score == 4
    _no_horizontal_scroll(page)

    # Stop emailing me.
    page.get_by_role("button", name="Stop emailing me").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    candidate.refresh_from_db()
    assert candidate.unsubscribed
    assert ReapplyReminder.objects.get().status == "cancelled"
    assert csp_errors == []


def test_one_click_unsubscribe_from_the_letters_header(page, live_server, smtp_sink, settings, groups):
    """What a mail client does with List-Unsubscribe-Post: a bare POST, no cookies, no CSRF token."""
    from feedback.models import FeedbackLetter
    from feedback.tests.candidate_helpers import make_letter

    settings.CANDOR_BASE_URL = live_server.url
    letter = make_letter(status=FeedbackLetter.Status.SCHEDULED)
    FeedbackLetter.objects.filter(pk=letter.pk).update(send_after=timezone.now())
    _send("letter", letter)
    assert smtp_sink.wait_for(1, timeout=10)
    [received] = smtp_sink.messages_to(letter.application.candidate.email)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = received["List-Unsubscribe"].strip().strip("<>")
    response = page.request.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    candidate = letter.application.candidate
    candidate.refresh_from_db()
    assert candidate.unsubscribed


def test_reminder_arrives_and_the_candidate_reapplies(
    page, live_server, smtp_sink, settings, groups, csp_errors
):
    from feedback.models import FeedbackLetter, ReapplyReminder
    from feedback.portal.services import reminder_opt_in
    from feedback.tests.candidate_helpers import make_letter
    from hiring.models import Application

    settings.CANDOR_BASE_URL = live_server.url
    settings.DEBUG = True  # the demo command's --open-reapply
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)
    letter = make_letter()
    reminder = reminder_opt_in(letter=letter)
    from django.core.management import call_command

    call_command("reminders_due", "--letter", str(letter.public_id), "--open-reapply", stdout=io.StringIO())
    reminder.refresh_from_db()
    _send("reminder", reminder)
    assert smtp_sink.wait_for(1, timeout=10)
    [received] = smtp_sink.messages_to(letter.application.candidate.email)
    assert received["Message-ID"] == ReapplyReminder.objects.get().message_id
    reapply_link = _link(_text_part(received), "reapply/")

    old_tab = page.context.new_page()
    old_tab.goto(reapply_link)  # the same form, opened twice
    page.goto(reapply_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reapply")
    _no_horizontal_scroll(page)
    expect(page.get_by_label("Email")).to_have_value(letter.application.candidate.email)
    page.get_by_label("Your time zone").fill("Europe/Lisbon")
    first_point = letter.decision.points.order_by("position").first()
    page.get_by_label(f"{first_point.criterion.name}: what have you worked on since?").fill(
        "Built and load-tested a token bucket limiter."
    )
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="We have your application")).to_be_visible()
    new = Application.objects.get(previous=letter.application)
    assert new.reapply_answers.get().text == "Built and load-tested a token bucket limiter."
    # The form sent again from the other tab: still one application, and the page says so.
    old_tab.get_by_role("button", name="Send my application").click()
    expect(old_tab.get_by_role("heading", name="We already have your application")).to_be_visible()
    assert Application.objects.filter(previous=letter.application).count() == 1
    assert FeedbackLetter.objects.get(pk=letter.pk).status == "sent"
    assert csp_errors == []


def test_candidate_and_request_pages_have_no_serious_accessibility_violations(page, live_server, groups):
    """axe-core on the pages this part adds beyond the main candidate page (checked in tests/e2e)."""
    import datetime as dt

    from feedback.requests import services as request_services
    from feedback.tests.candidate_helpers import make_letter, url
    from hiring.tests.factories import HRFactory
    from tests.e2e.helpers import use_session_of
    from tests.support.quality_tools import PHONE_VIEWPORT, axe_check, format_axe, require

    require("axe")
    open_letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=200))
    letter = make_letter()
    request = request_services.request_create(letter=letter, question="Which part was weakest?")
    flagged = request_services.request_create(letter=open_letter, question="Why?")
    request_services.request_answer(
        request=flagged, by=open_letter.decision.decided_by, answer="You were not the right culture fit."
    )
    hr = HRFactory()
    candidate_pages = {
        "reapply form": url("reapply", open_letter, "reapply"),
        "reapply not yet": url("reapply", letter, "reapply"),
        "unsubscribe confirm": url("unsubscribe", letter, "unsubscribe"),
        "bad link": "/c/not-a-token/",
    }
    staff_pages = {
        "decider's requests": (letter.decision.decided_by, "/requests/"),
        "answer form": (letter.decision.decided_by, f"/requests/{request.pk}/"),
        "HR review with flags": (hr, f"/requests/review/{flagged.pk}/"),
        "HR requests list": (hr, "/requests/review/?status=all"),
        "privacy home": (hr, "/privacy/"),
        "erase confirm": (hr, f"/privacy/candidates/{letter.application.candidate_id}/erase/"),
    }
    problems = []
    page.set_viewport_size(PHONE_VIEWPORT)
    for name, path in candidate_pages.items():
        page.context.clear_cookies()
        page.goto(f"{live_server.url}{path}")
        if violations := axe_check(page):
            problems.append(f"{name} ({path}):\n{format_axe(violations)}")
    page.set_viewport_size({"width": 1280, "height": 900})
    for name, (user, path) in staff_pages.items():
        use_session_of(page, user, live_server)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{name}: {response.status}"
        if violations := axe_check(page):
            problems.append(f"{name} ({path}):\n{format_axe(violations)}")
    assert not problems, "\n\n".join(problems)


def test_decider_sees_the_quality_check_live_while_answering(page, live_server, groups, csp_errors):
    from feedback.requests import services as request_services
    from feedback.tests.candidate_helpers import make_letter
    from tests.e2e.helpers import use_session_of

    page.set_default_timeout(10_000)
    letter = make_letter()
    request = request_services.request_create(letter=letter, question="What was missing?")
    use_session_of(page, letter.decision.decided_by, live_server)
    page.goto(f"{live_server.url}/requests/")
    page.get_by_role("link", name=re.compile("question from")).click()
    answer = page.get_by_label("Your answer")
    answer.fill("You were not the right culture fit.")
    expect(page.locator("#findings")).to_contain_text("Quality check: 1 flag")
    expect(page.locator("#findings mark")).to_contain_text("culture fit")
    answer.fill("You did not say how bursts at the window boundary are handled; compare a token bucket.")
    expect(page.locator("#findings")).to_contain_text("no flags")
    page.get_by_role("button", name="Send to HR for review").click()
    expect(page.get_by_text("your answer is with HR for review")).to_be_visible()
    request.refresh_from_db()
    assert request.status == "in_review"
    assert csp_errors == []
