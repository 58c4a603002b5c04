"""The candidate's page: letter, progress, reapply date, and each action."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from candidates.tests.factories import CandidateFactory
from core.models import AuditEvent
from feedback.letters.emails import letter_text
from feedback.models import CandidateRating, DeliveryStatus, FeedbackRequest, ReapplyReminder
from feedback.portal import services
from feedback.portal.services import ReminderStateError
from feedback.requests import services as request_services
from feedback.requests.services import REQUESTS_PER_LETTER
from feedback.tests.candidate_helpers import make_letter, url
from hiring.models import Interview, Scorecard
from hiring.tests.factories import job_with_pipeline

pytestmark = pytest.mark.django_db

DECIDED = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # a Monday
NEXT_DAY = DECIDED + dt.timedelta(days=1)


@time_machine.travel(NEXT_DAY, tick=False)
def test_page_shows_letter_progress_and_reapply_date(client):
    letter = make_letter(decided_at=DECIDED, cooldown_days=182)
    body = client.get(url("letter", letter), follow=True).content.decode()
    assert "Thank you for interviewing with us." in body
    assert "Resume review</strong>:\n          passed" in body
    assert "Technical interview</strong>:\n          your last stage" in body
    assert "31 August 2026" in body  # 2 March + 182 days


def test_progress_counts_interviews_of_a_multi_interview_last_stage(client):
    letter = make_letter()
    stage = letter.decision.stage
    stage.interviews_planned = 4
    stage.save()
    interview = Interview.objects.create(
        application=letter.application, stage=stage, interviewer=letter.decision.decided_by
    )
    Scorecard.objects.create(
        interview=interview, status="submitted", recommendation="no", submitted_at=timezone.now()
    )
    body = client.get(url("letter", letter), follow=True).content.decode()
    assert "1 of 4 interviews completed" in body


def test_names_and_letter_text_are_escaped(client):
    candidate = CandidateFactory(name='<script>alert("x")</script>')
    letter = make_letter(candidate=candidate, text='Hello <script>alert("x")</script> & "you"')
    body = client.get(url("letter", letter), follow=True).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


# Reminder ---------------------------------------------------------------------


@time_machine.travel(NEXT_DAY, tick=False)
def test_opt_in_schedules_reminder_at_nine_on_reapply_date_in_candidates_zone(client):
    candidate = CandidateFactory(time_zone="America/New_York")
    letter = make_letter(decided_at=DECIDED, cooldown_days=182, candidate=candidate)
    response = client.post(url("remind", letter), {"action": "on"})
    assert response.status_code == 302
    reminder = ReapplyReminder.objects.get()
    assert reminder.status == DeliveryStatus.SCHEDULED
    assert reminder.candidate == candidate
    assert reminder.send_after == dt.datetime(2026, 8, 31, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert reminder.message_id.startswith("<reminder.") and reminder.message_id.endswith("@candor.example>")
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "We will email you on 31 August 2026" in page


@time_machine.travel(NEXT_DAY, tick=False)
def test_opt_in_without_time_zone_uses_the_organisations(client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    letter = make_letter(decided_at=DECIDED, candidate=CandidateFactory(time_zone=""))
    services.reminder_opt_in(letter=letter)
    assert ReapplyReminder.objects.get().send_after == dt.datetime(
        2026, 8, 31, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")
    )


def test_undo_cancels_and_opting_in_again_reactivates_the_same_row(client):
    letter = make_letter()
    client.post(url("remind", letter), {"action": "on"})
    message_id = ReapplyReminder.objects.get().message_id
    client.post(url("remind", letter), {"action": "off"})
    assert ReapplyReminder.objects.get().status == DeliveryStatus.CANCELLED
    client.post(url("remind", letter), {"action": "on"})
    reminder = ReapplyReminder.objects.get()
    assert reminder.status == DeliveryStatus.SCHEDULED
    assert reminder.message_id == message_id


def test_opting_in_twice_keeps_one_reminder():
    letter = make_letter()
    services.reminder_opt_in(letter=letter)
    services.reminder_opt_in(letter=letter)
    assert ReapplyReminder.objects.count() == 1


def test_no_reminder_once_reapplying_is_open():
    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=183))
    with pytest.raises(ReminderStateError):
        services.reminder_opt_in(letter=letter)
    assert not ReapplyReminder.objects.exists()


def test_sent_reminder_cannot_be_undone_or_redone():
    letter = make_letter()
    reminder = services.reminder_opt_in(letter=letter)
    ReapplyReminder.objects.filter(pk=reminder.pk).update(status=DeliveryStatus.SENT)
    with pytest.raises(ReminderStateError):
        services.reminder_opt_out(letter=letter)
    with pytest.raises(ReminderStateError):
        services.reminder_opt_in(letter=letter)


def test_opt_in_after_unsubscribing_keeps_the_unsubscribe():
    # Issue 12: the reminder is consent to that one email, not a silent resubscription.
    letter = make_letter()
    candidate = letter.application.candidate
    services.candidate_unsubscribe(candidate=candidate)
    services.reminder_opt_in(letter=letter)
    candidate.refresh_from_db()
    assert candidate.unsubscribed
    assert not AuditEvent.objects.filter(verb="candidate.resubscribed").exists()
    assert AuditEvent.objects.get(verb="reminder.opted_in").data == {"while_unsubscribed": True}


def test_candidate_actions_keep_last_activity_fresh():
    letter = make_letter()
    candidate = letter.application.candidate
    later = timezone.now() + dt.timedelta(days=10)
    with time_machine.travel(later, tick=False):
        services.reminder_opt_in(letter=letter)
    candidate.refresh_from_db()
    assert candidate.last_activity_at == later
    for step, action in enumerate(
        (
            lambda: services.rating_save(letter=letter, score=3),
            lambda: request_services.request_create(letter=letter, question="More on point 2?"),
        ),
        start=1,
    ):
        moment = later + dt.timedelta(days=step)
        with time_machine.travel(moment, tick=False):
            action()
        candidate.refresh_from_db()
        assert candidate.last_activity_at == moment


# Asking for more detail -----------------------------------------------------------


def test_question_creates_request_routed_to_decider_with_deadline(client, settings):
    settings.CANDOR_REQUEST_DEADLINE_DAYS = 5
    letter = make_letter()
    with time_machine.travel(dt.datetime(2026, 3, 6, 12, 0, tzinfo=dt.UTC), tick=False):  # a Friday
        response = client.post(url("ask", letter), {"question": "What would a strong answer include?"})
    assert response.status_code == 302
    request = FeedbackRequest.objects.get()
    assert request.status == FeedbackRequest.Status.OPEN
    assert request.letter == letter
    assert request.question == "What would a strong answer include?"
    # 5 business days after Friday 6 March: Friday 13 March, end of day in the org's zone.
    assert request.deadline.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date() == dt.date(2026, 3, 13)
    assert request.message_id.startswith("<answer.")
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "What would a strong answer include?" in page
    assert "Waiting for an answer" in page


def test_empty_or_long_question_is_refused_next_to_the_field(client):
    letter = make_letter()
    response = client.post(url("ask", letter), {"question": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(url("ask", letter), {"question": "x" * 1001})
    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    assert not FeedbackRequest.objects.exists()


def test_questions_per_letter_are_limited(client):
    letter = make_letter()
    for n in range(REQUESTS_PER_LETTER):
        assert client.post(url("ask", letter), {"question": f"Question {n}"}).status_code == 302
    response = client.post(url("ask", letter), {"question": "One more"})
    assert response.status_code == 400
    assert FeedbackRequest.objects.count() == REQUESTS_PER_LETTER


def test_approved_answer_shows_on_the_page(client, hr_user):
    letter = make_letter()
    request = request_services.request_create(letter=letter, question="Which trade-offs?")
    request_services.request_answer(
        request=request, by=letter.decision.decided_by, answer="Token bucket versus sliding window."
    )
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "Token bucket" not in page  # not until HR approves
    request_services.request_approve(request=request, by=hr_user)
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "Token bucket versus sliding window." in page


# Rating -----------------------------------------------------------------------------


def test_rating_is_saved_once_per_letter_and_can_change(client):
    letter = make_letter()
    assert client.post(url("rate", letter), {"score": "2", "comment": "Too short"}).status_code == 302
    assert client.post(url("rate", letter), {"score": "5", "comment": ""}).status_code == 302
    rating = CandidateRating.objects.get()
    assert (rating.letter, rating.score, rating.comment) == (letter, 5, "")
    assert "You rated it 5 out of 5" in client.get(url("letter", letter), follow=True).content.decode()


@pytest.mark.parametrize("score", ["0", "6", "", "abc"])
def test_rating_out_of_range_is_refused(client, score):
    letter = make_letter()
    response = client.post(url("rate", letter), {"score": score})
    assert response.status_code == 400
    assert not CandidateRating.objects.exists()


# Unsubscribe ------------------------------------------------------------------------


def test_unsubscribe_get_asks_and_changes_nothing(client):
    letter = make_letter()
    response = client.get(url("unsubscribe", letter, "unsubscribe"), follow=True)
    assert response.status_code == 200
    assert "Stop emailing me" in response.content.decode()
    letter.application.candidate.refresh_from_db()
    assert not letter.application.candidate.unsubscribed


def test_one_click_unsubscribe_post_without_csrf_works():
    """RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, with no cookie and no CSRF token."""
    letter = make_letter()
    services.reminder_opt_in(letter=letter)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        url("unsubscribe", letter, "unsubscribe"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    candidate = letter.application.candidate
    candidate.refresh_from_db()
    assert candidate.unsubscribed
    assert ReapplyReminder.objects.get().status == DeliveryStatus.CANCELLED
    # Twice is fine.
    assert client.post(url("unsubscribe", letter, "unsubscribe")).status_code == 200


def test_stop_emailing_me_button_on_the_page_unsubscribes(client):
    letter = make_letter()
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "Stop emailing me" in page
    response = client.post(url("unsubscribe", letter, "unsubscribe"))
    assert "You are unsubscribed" in response.content.decode()
    assert "You have unsubscribed" in client.get(url("letter", letter), follow=True).content.decode()


def test_page_query_count_does_not_grow_with_questions_and_stages(client, django_assert_max_num_queries):
    few = make_letter()
    many = make_letter(job=job_with_pipeline(stages=[f"Stage {n}" for n in range(8)]))
    for n in range(REQUESTS_PER_LETTER):
        request_services.request_create(letter=many, question=f"Question {n}")
    services.rating_save(letter=many, score=3)
    services.reminder_opt_in(letter=many)
    # The email's link is exchanged once for the session's page address; the page is then opened
    # (and reloaded) there, which is what is counted.
    for letter in (few, many):
        page = client.get(url("letter", letter))["Location"]
        client.get(page)
        with django_assert_max_num_queries(8):
            assert client.get(page).status_code == 200


def test_page_shows_the_sent_letter_without_the_emails_link_footer(client):
    letter = make_letter()
    letter.sent_text = letter_text(letter)
    letter.save(update_fields=["sent_text"])
    body = client.get(url("letter", letter), follow=True).content.decode()
    assert "Thank you for interviewing with us." in body
    assert "Unsubscribe:" not in body
    assert "http://testserver/c/unsubscribe/" not in body  # the footer link; the page has its own form
