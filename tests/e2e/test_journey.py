"""The whole journey, in Chromium, against real services: Candor as a hiring team and a candidate meet it.

Live server (pytest-django), PostgreSQL, Redis, a real Celery worker with its
embedded beat (sweeps every 2 s instead of every minute or 15 minutes: same
tasks, same schedule entries), and an aiosmtpd server that keeps what arrives.
Every step is done through the pages, found by role and label, so the test also
proves the pages are labelled. One screenshot per step goes to
artifacts/screenshots/ (or $CANDOR_SCREENSHOT_DIR: `make screenshots`).

Two things do not happen at human speed:
- HR schedules the letter for the next minute (the form takes minutes); the test
  then moves that due time to now in the database instead of waiting.
- The six-month wait for the reapply date: ``manage.py reminders_due --letter
  <id> --open-reapply --force`` (the demo command) moves the decision back by the
  cool-down and makes the reminder due now. The worker runs on the real clock.
"""

import datetime as dt
import re
import time
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from core.audit import audit_for
from feedback.models import CandidateRating, DeliveryStatus, FeedbackLetter, ReapplyReminder
from hiring.models import Application, Decision, Interview, Job
from hiring.tests.factories import HRFactory, InterviewerFactory
from tests.e2e.helpers import PASSWORD, Screenshots, ensure_roles, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.services]

BOILERPLATE = "We have decided to move forward with other candidates."
SPECIFIC = (
    "If you reapply, a design that says how it handles bursts at the window boundary "
    "would answer the question we asked."
)
OBSERVATION = (
    "When asked to design the rate limiter you used a fixed window and did not say how bursts "
    "at the window boundary are handled."
)
SUGGESTION = "Compare a sliding window with a token bucket and say which trade-off you would pick."
OVERRIDE_REASON = "Alice is the only interviewer for the storage team this month."
CANDIDATE = {"name": "Dana Rivera", "email": "dana.rivera@example.com", "time_zone": "Europe/Berlin"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def people(transactional_db):
    ensure_roles()
    return {
        "hr": HRFactory(username="hana", first_name="Hana", last_name="Reyes"),
        "alice": InterviewerFactory(username="alice", first_name="Alice", last_name="Ito"),
        "bob": InterviewerFactory(username="bob", first_name="Bob", last_name="Novak"),
        "carol": InterviewerFactory(username="carol", first_name="Carol", last_name="Diaz"),
    }


class Journey:
    def __init__(self, page, live_server, shot):
        self.page = page
        self.url = live_server.url
        self.shot = shot

    def go(self, path: str):
        self.page.goto(f"{self.url}{path}")

    def log_in(self, user):
        page = self.page
        page.context.clear_cookies()
        self.go("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    def nav(self, name: str):
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()

    def expect_message(self, text: str):
        expect(self.page.get_by_text(text).first).to_be_visible()


def test_the_whole_journey_from_job_to_reapplication(
    page, live_server, people, celery_worker_process, smtp_sink, settings
):
    # Links in emails point at this live server, in the worker and here.
    settings.CANDOR_BASE_URL = live_server.url
    # Generous: CI machines are shared, and a slow step is not a failed one.
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    page.set_viewport_size(DESKTOP)
    shot = Screenshots(page)
    try:
        walk(page, live_server, people, celery_worker_process, smtp_sink, settings, shot)
    except Exception:
        shot("failure", full_page=True)  # the page as it was when the step failed, for the CI artifact
        raise


def walk(page, live_server, people, celery_worker_process, smtp_sink, settings, shot):
    j = Journey(page, live_server, shot)
    hr, alice, bob = people["hr"], people["alice"], people["bob"]

    # --- HR sets up the job, the candidate and the panel -------------------------------
    page.context.clear_cookies()
    j.go("/accounts/login/")
    shot("login")
    j.log_in(hr)
    j.nav("Jobs")
    page.get_by_role("link", name="Create a job").click()
    page.get_by_label("Title").fill("Backend Engineer")
    page.get_by_label("Team").fill("Platform")
    page.get_by_label("Reapply cool-down (days)").fill("182")
    page.get_by_role("button", name="Create job and add stages").click()
    pipeline = {
        "Phone screen": [("Problem solving", "Breaks the problem down and checks the edge cases.")],
        "Technical interview": [
            ("System design", "Names the trade-offs and handles failure cases."),
            ("Communication", "Explains the design so that others can follow."),
        ],
    }
    for count, (stage, criteria) in enumerate(pipeline.items(), start=1):
        page.locator("form.add-stage").get_by_label("Stage name").fill(stage)
        page.get_by_role("button", name="Add stage").click()
        expect(page.get_by_role("heading", name=f"Stage {count}: {stage}")).to_be_visible()
        # htmx moves the focus to the new "add a stage" field when the swap settles (autofocus, for
        # keyboard users adding several stages); wait for it, or it lands in the middle of a fill.
        expect(page.locator("form.add-stage").get_by_label("Stage name")).to_be_focused()
        for name, guidance in criteria:
            new_name = page.get_by_label(f"New criterion for {stage}")
            form = page.locator("form.add-criterion").filter(has=new_name)
            new_name.fill(name)
            form.get_by_label("What good looks like").fill(guidance)
            form.get_by_role("button", name=f"Add criterion to {stage}").click()
            expect(page.locator(f"#pipeline input[value='{name}']")).to_be_visible()
    shot("HR creates a job with stages and criteria", full_page=True)
    job = Job.objects.get(title="Backend Engineer")
    assert [s.name for s in job.stages.order_by("position")] == list(pipeline)
    assert job.stages.get(name="Technical interview").criteria.count() == 2

    j.nav("Candidates")
    page.get_by_role("link", name="Add a candidate").click()
    page.locator("#id_name").fill(CANDIDATE["name"])  # "Name", not "Preferred name"
    page.get_by_label("Email").fill(CANDIDATE["email"])
    page.get_by_label("Time zone").fill(CANDIDATE["time_zone"])
    page.get_by_label("The candidate agreed").check()
    page.get_by_role("button", name="Add candidate").click()
    page.get_by_role("link", name="Open an application").click()
    page.get_by_label("Job").select_option(label="Backend Engineer")
    page.get_by_role("button", name="Open application").click()
    j.expect_message("Application opened")

    soon = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    for stage, person, button in (
        ("Phone screen", "Alice Ito", "Assign and add another"),
        ("Technical interview", "Bob Novak", "Assign"),
    ):
        page.get_by_label("Stage").select_option(label=stage)
        page.get_by_label("Interviewer").select_option(label=person)
        page.get_by_label("When").fill(soon)
        page.get_by_role("button", name=button, exact=True).click()
        j.expect_message("Interviewer assigned")
    application = Application.objects.get(candidate__email=CANDIDATE["email"])
    assert set(application.interviews.values_list("interviewer__username", flat=True)) == {"alice", "bob"}
    shot("HR assigns two interviewers")

    # --- Interviewer A: scorecard, then advance -----------------------------------------
    j.log_in(alice)
    expect(page.get_by_role("heading", name="My interviews")).to_be_visible()
    shot("interviewer home")
    page.get_by_role("link", name=f"Scorecard for {CANDIDATE['name']}, Phone screen").click()
    card = page.get_by_role("group", name="1. Problem solving")
    card.get_by_label("3 – Yes").check()
    card.get_by_label("Evidence: what the candidate said or did").fill(
        "Found the off-by-one in the pagination query and tested the empty page."
    )
    page.get_by_role("group", name="Overall").get_by_label("Yes", exact=True).check()
    shot("interviewer A fills in the scorecard", full_page=True)
    page.get_by_role("button", name="Submit scorecard").click()
    j.expect_message("Scorecard submitted")
    page.get_by_role("link", name="Record decision").click()
    page.get_by_label("Advance to the next stage").check()
    page.get_by_role("button", name="Record decision").click()
    j.expect_message("advances to the next stage")
    application.refresh_from_db()
    assert application.current_stage.name == "Technical interview"

    # --- Interviewer B: scorecard, then no-hire with specific points ---------------------
    j.log_in(bob)
    page.get_by_role("link", name=f"Scorecard for {CANDIDATE['name']}, Technical interview").click()
    design = page.get_by_role("group", name="1. System design")
    design.get_by_label("2 – No").check()
    design.get_by_label("Evidence: what the candidate said or did").fill(OBSERVATION)
    design.get_by_label("Note that may be shared with the candidate (optional)").fill(SUGGESTION)
    talk = page.get_by_role("group", name="2. Communication")
    talk.get_by_label("3 – Yes").check()
    talk.get_by_label("Evidence: what the candidate said or did").fill("Walked through the design clearly.")
    page.get_by_role("group", name="Overall").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Submit scorecard").click()
    j.expect_message("Scorecard submitted")
    page.get_by_role("link", name="Record decision").click()
    page.get_by_label("No hire").check()
    point = page.locator("[data-point-row]").first
    # The form proposes the low-rated criterion with its evidence and shareable note.
    expect(point.get_by_label("What the candidate said or did")).to_have_value(re.compile("fixed window"))
    point.get_by_label("What would have been stronger").fill(SUGGESTION)
    shot("interviewer B records a no-hire with specific points", full_page=True)
    page.get_by_role("button", name="Record decision").click()
    j.expect_message("No hire recorded")
    decision = Decision.objects.get(application=application, outcome=Decision.Outcome.NO_HIRE)
    assert decision.decided_by == bob and decision.points.count() == 1
    letter = FeedbackLetter.objects.get(decision=decision)

    # --- HR reviews the drafted letter: boilerplate flagged, fixed, approved -------------
    celery_worker_process.start(
        beat=True,
        sweep_every=2,
        extra_env={"DJANGO_SETTINGS_MODULE": "tests.e2e.worker_settings", "CANDOR_BASE_URL": live_server.url},
    )
    j.log_in(hr)
    j.nav("Letters")
    expect(page.get_by_role("table")).to_contain_text(CANDIDATE["name"])
    page.get_by_role("link", name=CANDIDATE["name"]).click()
    body = page.get_by_role("textbox", name=re.compile(r"^Letter\b"))
    draft = body.input_value()
    assert "fixed window" in draft and "Bob Novak" in draft
    findings = page.locator("#findings")
    expect(findings).to_contain_text("finds nothing")
    # The test slips a boilerplate sentence in, as a hurried writer would.
    body.fill(draft.replace("Best regards", f"{BOILERPLATE}\n\nBest regards", 1))
    body.press("End")
    expect(findings).to_contain_text("found 1 problem")
    flagged = findings.locator("mark").first
    expect(flagged).to_contain_text("move forward with other candidates")
    flagged.evaluate("el => el.scrollIntoView({block: 'nearest'})")  # inside the scrolling preview
    shot("HR sees the boilerplate sentence flagged", of=findings)
    body.fill(body.input_value().replace(BOILERPLATE, SPECIFIC))
    body.press("End")
    expect(findings).to_contain_text("finds nothing")
    page.get_by_role("button", name="Save", exact=True).click()
    j.expect_message("Saved")
    page.get_by_label("At a time I choose").check()
    org_now = timezone.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    page.get_by_label("Send at (organisation's time zone)").fill(
        (org_now + dt.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Approve and schedule").click()
    j.expect_message("Approved. It will be sent on")
    shot("HR approves the fixed letter")
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED and BOILERPLATE not in letter.body
    # Not wait two minutes: the due time comes now; beat's sweep and the worker do the rest.
    FeedbackLetter.objects.filter(pk=letter.pk).update(send_after=timezone.now())

    assert smtp_sink.wait_for(1, timeout=60), "the worker did not send the letter"
    # The server has the message; the worker records "sent" right after.
    wait_until(
        lambda: FeedbackLetter.objects.filter(pk=letter.pk, status=FeedbackLetter.Status.SENT).exists(),
        timeout=20,
        what="the letter to be marked sent",
    )
    letter.refresh_from_db()
    page.reload()
    expect(page.locator("#letter-status")).to_have_text("Sent")
    shot("the worker sent the letter")

    # --- The candidate reads the email and follows its link ------------------------------
    [email] = smtp_sink.messages_to(CANDIDATE["email"])
    assert str(email["Message-ID"]).strip() == letter.message_id
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert SPECIFIC in text and BOILERPLATE not in text
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.set_content(email.get_body(preferencelist=("html",)).get_content())
    shot("the candidate reads the letter on a phone", full_page=True)
    page.get_by_role("link", name="Open your feedback page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your feedback")
    page.get_by_role("button", name="Remind me when I can reapply").click()
    expect(page.get_by_role("status").filter(has_text="remind you")).to_be_visible()
    page.get_by_label("5 – Extremely useful").check()
    page.get_by_label("Anything you would like to add? (optional)").fill(
        "Specific and fair. I know what to work on."
    )
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("You rated it 5 out of 5")).to_be_visible()
    page.get_by_role("heading", name="How far you got").evaluate("el => el.scrollIntoView({block: 'start'})")
    shot("the candidate opts into the reminder and rates the feedback")
    reminder = ReapplyReminder.objects.get(application=application)
    assert CandidateRating.objects.get(letter=letter).score == 5

    # --- Six months later: the reminder arrives once --------------------------------------
    call_command("reminders_due", "--letter", str(letter.public_id), "--open-reapply", "--force")
    assert smtp_sink.wait_for(2, timeout=60), "the worker did not send the reminder"
    # Beat keeps sweeping every 2 s; give it several more sweeps to send a duplicate.
    time.sleep(7)
    reminders = [
        m for m in smtp_sink.messages_to(CANDIDATE["email"]) if "reapply" in str(m["Subject"]).lower()
    ]
    assert len(reminders) == 1, f"{len(reminders)} reminder emails"
    assert smtp_sink.raw_count == 2 and not smtp_sink.duplicates()
    reminder.refresh_from_db()
    assert (
        reminder.status == DeliveryStatus.SENT
        and str(reminders[0]["Message-ID"]).strip() == reminder.message_id
    )

    # --- The candidate reapplies from the reminder ---------------------------------------
    page.set_content(reminders[0].get_body(preferencelist=("html",)).get_content())
    shot("the reapply reminder arrives", full_page=True)
    page.get_by_role("link", name="Reapply", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reapply")
    expect(page.get_by_label("Your name")).to_have_value(CANDIDATE["name"])
    page.get_by_label("System design: what have you worked on since? (optional)").fill(
        "I built a token-bucket limiter for our API gateway and wrote up how it handles bursts."
    )
    shot("the candidate reapplies", full_page=True)
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("status")).to_contain_text("we have your application")
    again = Application.objects.get(previous=application)
    assert again.source == Application.Source.REAPPLY and again.job == job

    # --- HR cannot put the earlier panel on the reapplication ----------------------------
    page.set_viewport_size(DESKTOP)
    j.log_in(hr)
    j.go(again.get_absolute_url())
    expect(page.get_by_role("heading", name="Earlier applications")).to_be_visible()
    page.get_by_role("link", name="Assign interviewers").click()
    for person in ("Bob Novak", "Alice Ito"):
        page.get_by_label("Stage").select_option(label="Phone screen")
        page.get_by_label("Interviewer").select_option(label=person)
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_text(f"{person} interviewed this candidate before")).to_be_visible()
    shot("HR cannot assign the earlier panel again", full_page=True)
    assert not Interview.objects.filter(application=again).exists()
    page.get_by_label("Stage").select_option(label="Phone screen")
    page.get_by_label("Interviewer").select_option(label="Carol Diaz")
    page.get_by_role("button", name="Assign", exact=True).click()
    j.expect_message("Interviewer assigned")
    # With a written reason HR may override; the reason is audited.
    page.get_by_role("link", name="Assign interviewers").click()
    page.get_by_label("Stage").select_option(label="Technical interview")
    page.get_by_label("Interviewer").select_option(label="Alice Ito")
    page.get_by_label("Reason to assign someone who interviewed this candidate before").fill(OVERRIDE_REASON)
    page.get_by_role("button", name="Assign", exact=True).click()
    j.expect_message("Interviewer assigned")
    shot("a fresh panel, and an audited override")
    assert set(again.interviews.values_list("interviewer__username", flat=True)) == {"carol", "alice"}
    override = Interview.objects.get(application=again, interviewer=alice)
    assert override.panel_override_reason == OVERRIDE_REASON
    assert "interview.panel_override" in {event.verb for event in audit_for(override)}
    assert len(smtp_sink.messages) == 2  # the letter and the reminder; nothing else went to anyone
