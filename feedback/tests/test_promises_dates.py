"""Promises to candidates about dates: business days for deadlines and send times, and a reapply
date that is fixed when the letter is approved, whatever HR does to the job's cool-down later."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from candidates.tests.factories import CandidateFactory
from core.closures import closure_day_add
from feedback.letters.progress import letter_reapply_on, promised_reapply_dates
from feedback.letters.services import letter_approve, letter_cancel, letters_bulk_approve
from feedback.models import DeliveryStatus, FeedbackLetter, ReapplyReminder
from feedback.portal import services as portal
from feedback.portal.emails import build_reminder_message
from feedback.portal.selectors import reapply_date, reapply_is_open, reminder_due_at
from feedback.requests.services import request_deadline
from feedback.tasks import late_digest_task
from feedback.tests.candidate_helpers import url
from hiring.models import Decision
from hiring.services.jobs import job_update
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    job_with_pipeline,
)
from outbox.services import delivery_connections_close, delivery_send

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


# 2 March 2026 + 182 days = Monday 31 August 2026; + 365 days = Tuesday 2 March 2027.
DECIDED = london(2026, 3, 2, 15, 0)
PROMISED = dt.date(2026, 8, 31)
MOVED = dt.date(2027, 3, 2)


@pytest.fixture(autouse=True)
def england(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.CANDOR_COUNTRY = ""
    settings.CANDOR_SUBDIVISION = ""
    settings.CANDOR_SEND_HOUR = 9


@pytest.fixture(autouse=True)
def _fresh_mail_connection():
    delivery_connections_close()
    yield
    delivery_connections_close()


def drafted(*, decided_at=DECIDED, job=None, cooldown_days=182, candidate=None) -> FeedbackLetter:
    """A no-hire recorded at ``decided_at``, its letter drafted by the real service."""
    from feedback.letters.services import letter_draft

    job = job or job_with_pipeline(title="Backend Engineer", reapply_cooldown_days=cooldown_days)
    kwargs = {"job": job, "current_stage": job.stages.order_by("position").last()}
    if candidate is not None:
        kwargs["candidate"] = candidate
    application = ApplicationFactory(**kwargs)
    decision = DecisionFactory(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=InterviewerFactory(first_name="Dana", last_name="Decider"),
        decided_at=decided_at,
    )
    FeedbackPointFactory(decision=decision, criterion=application.current_stage.criteria.first())
    application.status = application.Status.REJECTED
    application.closed_at = decided_at
    application.save()
    return letter_draft(decision=decision)


def sent(letter: FeedbackLetter, *, hr_user, mailoutbox) -> FeedbackLetter:
    """Approve ``letter`` now (to go out now) and send it through the outbox, as the sweep would."""
    from django.utils import timezone

    letter_approve(letter=letter, by=hr_user, send_at=timezone.now() + dt.timedelta(seconds=1))
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=2), tick=False):
        assert delivery_send(kind="letter", pk=letter.pk) == "sent"
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SENT
    return letter


def set_cooldown(job, days: int, by) -> list[str]:
    return job_update(job=job, by=by, reapply_cooldown_days=days).notices


# Business days in deadlines, send times and the digest (issue 12, first bullet) ---------------


def test_a_decision_on_23_december_2025_gets_a_letter_due_at_the_end_of_2_january_2026():
    letter = drafted(decided_at=london(2025, 12, 23, 15, 0))
    assert letter.deadline == london(2026, 1, 2, 23, 59, 59)


def test_a_question_asked_on_23_december_2025_is_due_at_the_end_of_2_january_2026(settings):
    settings.CANDOR_REQUEST_DEADLINE_DAYS = 5
    assert request_deadline(london(2025, 12, 23, 15, 0)) == london(2026, 1, 2, 23, 59, 59)


def test_a_letter_approved_on_christmas_eve_evening_goes_out_on_monday_29_december(hr_user):
    letter = drafted(decided_at=london(2025, 12, 22, 11, 0))
    with time_machine.travel(london(2025, 12, 24, 18, 0), tick=False):
        approved = letter_approve(letter=letter, by=hr_user)
    assert approved.send_after == london(2025, 12, 29, 9, 0)


def test_bulk_approval_on_maundy_thursday_sends_on_tuesday_after_easter(hr_user):
    letters = [drafted(decided_at=london(2026, 3, 31, 11, 0)) for _ in range(2)]
    with time_machine.travel(london(2026, 4, 2, 10, 0), tick=False):
        approved, skipped = letters_bulk_approve(letter_ids=[x.pk for x in letters], by=hr_user)
    assert (approved, skipped) == ([x.pk for x in letters], {})
    assert {x.send_after for x in FeedbackLetter.objects.all()} == {london(2026, 4, 7, 9, 0)}


def test_a_closure_day_moves_the_default_send_time_and_new_deadlines(hr_user):
    with time_machine.travel(london(2025, 12, 1, 9, 0), tick=False):
        closure_day_add(by=hr_user, day=dt.date(2025, 12, 29), label="Office closed")
    letter = drafted(decided_at=london(2025, 12, 23, 15, 0))
    assert letter.deadline == london(2026, 1, 5, 23, 59, 59)
    with time_machine.travel(london(2025, 12, 24, 18, 0), tick=False):
        assert letter_approve(letter=letter, by=hr_user).send_after == london(2025, 12, 30, 9, 0)


def test_the_late_digest_is_not_sent_on_a_public_holiday_or_closure_day_but_on_the_next_business_day(
    mailoutbox, hr_user, settings
):
    assert settings.CELERY_BEAT_SCHEDULE["late-digest"]["kwargs"] == {"business_days_only": True}
    with time_machine.travel(london(2025, 12, 1, 9, 0), tick=False):
        closure_day_add(by=hr_user, day=dt.date(2025, 12, 29), label="Office closed")
    drafted(decided_at=london(2025, 12, 10, 11, 0))  # due 17 December, late since
    for holiday in (london(2025, 12, 25, 8, 0), london(2025, 12, 27, 8, 0), london(2025, 12, 29, 8, 0)):
        with time_machine.travel(holiday, tick=False):
            assert late_digest_task.apply(kwargs={"business_days_only": True}).result == 0
    assert mailoutbox == []
    with time_machine.travel(london(2025, 12, 30, 8, 0), tick=False):
        assert late_digest_task.apply(kwargs={"business_days_only": True}).result == 2
    assert len(mailoutbox) == 2


def test_a_late_digest_run_by_hand_goes_out_whatever_the_day(mailoutbox):
    drafted(decided_at=london(2025, 12, 10, 11, 0))
    with time_machine.travel(london(2025, 12, 25, 8, 0), tick=False):
        assert late_digest_task.apply().result == 2


# The reapply date is fixed at approval (issue 12, third bullet) ---------------------------------


def test_a_promised_reapply_date_holds_when_hr_changes_the_cool_down(client, hr_user, mailoutbox):
    candidate = CandidateFactory(name="Rosa Rossi", time_zone="Europe/Berlin")
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        letter = drafted(candidate=candidate)
        assert "You are welcome to apply again from Monday 31 August 2026." in letter.body
        letter = sent(letter, hr_user=hr_user, mailoutbox=mailoutbox)
        assert letter.reapply_on == PROMISED
        assert "Monday 31 August 2026" in mailoutbox[0].body
        assert "Monday 31 August 2026" in mailoutbox[0].alternatives[0][0]
        # The candidate asks to be reminded before HR changes anything.
        assert client.post(url("remind", letter), {"action": "on"}).status_code == 302

    job = letter.application.job
    with time_machine.travel(DECIDED + dt.timedelta(days=10), tick=False):
        notices = set_cooldown(job, 365, hr_user)
        assert notices == [
            "1 letter already approved keeps its reapply date. "
            "The new cool-down of 365 days applies to letters not yet approved."
        ]
        letter.refresh_from_db()
        # Everything the candidate sees or gets still says 31 August 2026.
        assert reapply_date(letter) == letter_reapply_on(letter) == PROMISED
        page = client.get(url("letter", letter), follow=True).content.decode()
        assert "31 August 2026" in page and "2 March 2027" not in page
        ics = Calendar.from_ical(client.get(url("calendar", letter), follow=True).content).walk("VEVENT")[0]
        assert ics.decoded("DTSTART") == PROMISED
        reminder = ReapplyReminder.objects.get()
        assert reminder.send_after == dt.datetime(2026, 8, 31, 9, 0, tzinfo=BERLIN)
        assert reminder_due_at(letter) == reminder.send_after
        # Opting out and in again after the change keeps the promised date too.
        client.post(url("remind", letter), {"action": "off"})
        client.post(url("remind", letter), {"action": "on"})
        reminder.refresh_from_db()
        assert reminder.send_after == dt.datetime(2026, 8, 31, 9, 0, tzinfo=BERLIN)

    # The reapply gate opens at midnight of 31 August in the candidate's zone, not in March 2027.
    with time_machine.travel(dt.datetime(2026, 8, 30, 23, 30, tzinfo=BERLIN), tick=False):
        assert not reapply_is_open(letter)
        closed = client.get(url("reapply", letter, "reapply"), follow=True).content.decode()
        assert "You can reapply from 31 August 2026" in closed
    with time_machine.travel(dt.datetime(2026, 8, 31, 9, 0, tzinfo=BERLIN), tick=False):
        assert reapply_is_open(letter)
        form = client.get(url("reapply", letter, "reapply"), follow=True)
        assert form.status_code == 200
        assert all("reapply_not_yet" not in (t.name or "") for t in form.templates)
        assert "You can reapply from" not in form.content.decode()
        text = build_reminder_message(reminder).body
        assert "from 31 August 2026 you are welcome to reapply" in text
        assert "2 March 2027" not in text


def test_a_letter_not_yet_approved_follows_the_new_cool_down_and_its_text_is_brought_in_line(hr_user):
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        letter = drafted()
        assert "Monday 31 August 2026" in letter.body
        job = letter.application.job
        assert set_cooldown(job, 365, hr_user) == []  # no letter approved yet: nothing to tell
        letter.refresh_from_db()
        assert letter_reapply_on(letter) == reapply_date(letter) == MOVED
        approved = letter_approve(letter=letter, by=hr_user)
    assert approved.reapply_on == MOVED
    assert "You are welcome to apply again from Tuesday 2 March 2027." in approved.body
    assert "31 August 2026" not in approved.body


def test_a_cancelled_approval_lets_the_date_follow_the_cool_down_until_approved_again(hr_user):
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        letter = letter_approve(letter=drafted(), by=hr_user)
        assert letter.reapply_on == PROMISED
        set_cooldown(letter.application.job, 365, hr_user)
        assert reapply_date(letter) == PROMISED
        letter = letter_cancel(letter=letter, by=hr_user)
        assert reapply_date(letter) == MOVED
        letter = letter_approve(letter=letter, by=hr_user)
    assert letter.reapply_on == MOVED
    assert "Tuesday 2 March 2027" in letter.body


def test_the_job_page_tells_hr_that_approved_letters_keep_their_dates(client, hr_user):
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        job = job_with_pipeline(title="Backend Engineer", reapply_cooldown_days=182)
        first, second, draft = (drafted(job=job) for _ in range(3))
        letters_bulk_approve(letter_ids=[first.pk, second.pk], by=hr_user)
        client.force_login(hr_user)
        page = client.get(reverse("hiring:job_edit", args=[job.pk])).content.decode()
        assert "A change applies to letters not yet approved" in page
        data = {
            "title": job.title,
            "team": job.team,
            "description": job.description,
            "status": job.status,
            "hiring_manager": "",
            "reapply_cooldown_days": "365",
            "feedback_deadline_days": str(job.feedback_deadline_days),
        }
        response = client.post(reverse("hiring:job_edit", args=[job.pk]), data, follow=True)
    body = response.content.decode()
    assert "Job saved." in body
    assert "2 letters already approved keep their reapply dates." in body
    job.refresh_from_db()
    assert job.reapply_cooldown_days == 365
    dates = {x.pk: reapply_date(x) for x in FeedbackLetter.objects.all()}
    assert dates == {first.pk: PROMISED, second.pk: PROMISED, draft.pk: MOVED}
    # Back to 182: the approved letters' dates are what 182 gives, so there is nothing to tell.
    with time_machine.travel(DECIDED + dt.timedelta(days=2), tick=False):
        response = client.post(
            reverse("hiring:job_edit", args=[job.pk]), {**data, "reapply_cooldown_days": "182"}, follow=True
        )
    assert "keep their reapply dates" not in response.content.decode()
    # Another field changed: nothing about reapply dates either.
    response = client.post(
        reverse("hiring:job_edit", args=[job.pk]),
        {**data, "reapply_cooldown_days": "182", "title": "Backend Engineer II"},
        follow=True,
    )
    assert "keep their reapply dates" not in response.content.decode()


def test_bulk_approval_fixes_each_letters_date_without_a_query_per_letter(hr_user):
    def approve(n: int) -> int:
        job = job_with_pipeline(reapply_cooldown_days=182)
        ids = [drafted(job=job, decided_at=DECIDED + dt.timedelta(days=i % 3)).pk for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            approved, skipped = letters_bulk_approve(letter_ids=ids, by=hr_user)
        assert approved == ids and skipped == {}
        return len(queries)

    with time_machine.travel(DECIDED + dt.timedelta(days=5), tick=False):
        approve(1)  # the first one also reads the approver's roles, once per request
        few, many = approve(3), approve(12)
    assert few == many
    dates = sorted(set(FeedbackLetter.objects.values_list("reapply_on", flat=True)))
    assert FeedbackLetter.objects.count() == 16
    assert dates == [PROMISED, PROMISED + dt.timedelta(days=1), PROMISED + dt.timedelta(days=2)]
    for letter in FeedbackLetter.objects.select_related("decision"):
        decided_on = letter.decision.decided_at.astimezone(LONDON).date()
        assert letter.reapply_on == decided_on + dt.timedelta(days=182)
        assert f"{letter.reapply_on:%B %Y}" in letter.body


def test_bulk_approval_after_a_cool_down_change_states_the_new_date_in_each_letter(hr_user):
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        job = job_with_pipeline(reapply_cooldown_days=182)
        letters = [drafted(job=job) for _ in range(3)]
        set_cooldown(job, 365, hr_user)
        with CaptureQueriesContext(connection) as queries:
            letters_bulk_approve(all_in_review=False, letter_ids=[x.pk for x in letters], by=hr_user)
    assert len(queries) < 20
    for letter in FeedbackLetter.objects.all():
        assert letter.reapply_on == MOVED
        assert "Tuesday 2 March 2027" in letter.body and "31 August 2026" not in letter.body


def test_hiring_reads_only_approved_letters_dates_as_promised(hr_user):
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        approved = letter_approve(letter=drafted(), by=hr_user)
        draft = drafted()
    promised = promised_reapply_dates(decision_ids=[approved.decision_id, draft.decision_id])
    assert promised == {approved.decision_id: PROMISED}


def test_the_reminder_text_and_due_time_come_from_the_promised_date(hr_user, mailoutbox):
    with time_machine.travel(DECIDED + dt.timedelta(hours=1), tick=False):
        letter = sent(
            drafted(candidate=CandidateFactory(time_zone="")), hr_user=hr_user, mailoutbox=mailoutbox
        )
        portal.reminder_opt_in(letter=letter)
        set_cooldown(letter.application.job, 30, hr_user)  # shorter now: still 31 August
        reminder = ReapplyReminder.objects.get()
    assert reminder.send_after == london(2026, 8, 31, 9, 0)
    assert reminder.status == DeliveryStatus.SCHEDULED
    with time_machine.travel(london(2026, 8, 31, 9, 1), tick=False):
        text = build_reminder_message(reminder).body
    assert re.search(r"from 31 August 2026 you are welcome to reapply", text)


def test_the_migration_gives_existing_letters_the_date_their_cool_down_gives_today():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("feedback.migrations.0005_letter_reapply_on")
    letters = [drafted(decided_at=DECIDED + dt.timedelta(days=i)) for i in range(3)]
    FeedbackLetter.objects.update(reapply_on=None)
    migration.fill_reapply_on(apps, None)
    assert [x.reapply_on for x in FeedbackLetter.objects.order_by("id")] == [
        PROMISED + dt.timedelta(days=i) for i in range(len(letters))
    ]
