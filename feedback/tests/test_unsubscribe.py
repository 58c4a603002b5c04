"""Unsubscribe means exactly what the page says.

The page promises: no email again about this or any other application (letters, answers,
reminders), letters and answers on the feedback page instead, and one exception the candidate
chooses: a reapply reminder asked for afterwards, which does not lift the unsubscribe.

Issue 12: the page said "We will not email you again", yet a letter for a second application
was emailed, and turning on the reminder silently cancelled the unsubscribe, after which
answers were emailed again.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from core.models import AuditEvent
from feedback.letters import services as letter_services
from feedback.letters.emails import NOT_EMAILED_UNSUBSCRIBED
from feedback.models import DeliveryStatus, FeedbackLetter, FeedbackRequest, ReapplyReminder
from feedback.portal import services
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter, url
from outbox.services import Outcome, delivery_send

pytestmark = pytest.mark.django_db

ANSWER = (
    "In the design question you described a fixed window. A stronger answer would compare a "
    "sliding window with a token bucket and say how bursts at the boundary are handled."
)
SECOND_LETTER = (
    "Dear candidate,\n\nThank you for interviewing with us for the Platform role.\n\n"
    "- When asked how you would roll out a schema change, you did not mention backfills.\n"
    "  Describing a backfill and how to verify it would have made the plan complete.\n"
)


def _letters_linked(client, html: str) -> set:
    """The public ids of the letter pages ``html`` links to (session slots: opened to see)."""
    found = set()
    for slot in re.findall(r'href="/c/([^/"]+)/"', html):
        response = client.get(f"/c/{slot}/")
        if response.status_code == 200:
            found.add(response.context["letter"].public_id)
    return found


def _unsubscribed_letter():
    letter = make_letter()
    services.candidate_unsubscribe(candidate=letter.application.candidate)
    return letter


def _due(model, pk):
    model.objects.filter(pk=pk).update(send_after=timezone.now() - dt.timedelta(seconds=1))


def _second_letter_approved(candidate, hr_user):
    """A later application's letter, approved by HR and due now."""
    letter = make_letter(candidate=candidate, status=FeedbackLetter.Status.IN_REVIEW, text=SECOND_LETTER)
    letter = letter_services.letter_approve(
        letter=letter,
        by=hr_user,
        send_at=timezone.now() + dt.timedelta(minutes=1),
        override_reason="Checked by HR.",
    )
    _due(FeedbackLetter, letter.pk)
    return letter


def _answer_approved(letter, hr_user):
    request = request_services.request_create(letter=letter, question="What would a strong design include?")
    request = request_services.request_answer(request=request, by=letter.decision.decided_by, answer=ANSWER)
    return request_services.request_approve(request=request, by=hr_user)


# What the pages say ---------------------------------------------------------------------


def test_unsubscribe_page_says_what_will_and_will_not_be_emailed(client):
    letter = make_letter()
    page = client.get(url("unsubscribe", letter, "unsubscribe"), follow=True).content.decode()
    assert "we won't email you again about this or any other application" in page
    assert "including about an application you make later" in page
    assert "no answers to your questions by email" in page
    assert "any reminder you asked for is cancelled" in page
    assert "will still appear on your feedback page" in page
    assert "we will send you that one reminder. You stay unsubscribed from everything else." in page
    assert "We will not email you again, and" not in page  # the old, untrue promise


def test_unsubscribed_page_and_candidate_page_repeat_the_same_promise(client):
    letter = make_letter()
    done = client.post(url("unsubscribe", letter, "unsubscribe")).content.decode()
    assert "We won't email you again about this or any other application" in done
    assert "that one reminder and nothing else" in done
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "we won't email you again about this or any other application" in page
    assert "Letters and answers to your questions appear on this page instead" in page


# Letters ----------------------------------------------------------------------------------


def test_letter_for_a_later_application_is_not_emailed_to_an_unsubscribed_candidate(hr_user, mailoutbox):
    first = _unsubscribed_letter()
    second = _second_letter_approved(first.application.candidate, hr_user)
    assert delivery_send(kind="letter", pk=second.pk) == Outcome.CANCELLED
    assert mailoutbox == []
    second.refresh_from_db()
    assert second.status == FeedbackLetter.Status.CANCELLED
    assert second.approved_at is not None  # approved, kept for the candidate's page
    assert second.last_error == NOT_EMAILED_UNSUBSCRIBED
    assert AuditEvent.objects.filter(
        verb="letter.cancelled", target_id=second.pk, reason=NOT_EMAILED_UNSUBSCRIBED
    ).exists()


def test_hr_sees_on_the_letter_that_it_was_not_emailed_because_they_unsubscribed(client, hr_user):
    first = _unsubscribed_letter()
    second = _second_letter_approved(first.application.candidate, hr_user)
    delivery_send(kind="letter", pk=second.pk)
    client.force_login(hr_user)
    page = client.get(reverse("feedback:letter_edit", args=[second.pk])).content.decode()
    assert "Not emailed: the candidate unsubscribed." in page


def test_hr_is_told_before_approving_that_the_letter_will_not_be_emailed(client, hr_user):
    first = _unsubscribed_letter()
    draft = make_letter(candidate=first.application.candidate, status=FeedbackLetter.Status.IN_REVIEW)
    client.force_login(hr_user)
    page = client.get(reverse("feedback:letter_edit", args=[draft.pk])).content.decode()
    assert "The candidate unsubscribed: this letter will not be emailed." in page


def test_not_emailed_letter_is_on_the_candidates_page_reachable_from_their_earlier_link(client, hr_user):
    first = _unsubscribed_letter()
    second = _second_letter_approved(first.application.candidate, hr_user)
    # Before its send time it is not theirs yet.
    assert second.public_id not in _letters_linked(
        client, client.get(url("letter", first), follow=True).content.decode()
    )
    delivery_send(kind="letter", pk=second.pk)

    earlier = client.get(url("letter", first), follow=True).content.decode()
    assert "Your other letters from us" in earlier
    assert second.public_id in _letters_linked(client, earlier)
    assert "(not emailed, as you asked)" in earlier
    page = client.get(url("letter", second), follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "you did not mention backfills" in text
    assert "We did not email you this letter, because you asked us to stop emailing you." in text
    # And it leads back to the first one.
    assert first.public_id in _letters_linked(client, text)


def test_letter_emailed_while_subscribed_is_sent_as_before(hr_user, mailoutbox):
    first = make_letter()
    second = _second_letter_approved(first.application.candidate, hr_user)
    assert delivery_send(kind="letter", pk=second.pk) == Outcome.SENT
    assert len(mailoutbox) == 1


def test_unsubscribing_between_approval_and_send_time_keeps_the_letter_off_email(hr_user, mailoutbox):
    first = make_letter()
    second = _second_letter_approved(first.application.candidate, hr_user)
    services.candidate_unsubscribe(candidate=first.application.candidate)
    assert delivery_send(kind="letter", pk=second.pk) == Outcome.CANCELLED
    assert mailoutbox == []


def test_a_letter_hr_cancelled_is_not_shown_to_the_candidate(client, hr_user):
    first = _unsubscribed_letter()
    draft = make_letter(candidate=first.application.candidate, status=FeedbackLetter.Status.IN_REVIEW)
    scheduled = letter_services.letter_approve(
        letter=draft, by=hr_user, send_at=timezone.now() + dt.timedelta(hours=1), override_reason="Checked."
    )
    letter_services.letter_cancel(letter=scheduled, by=hr_user)
    assert client.get(url("letter", draft), follow=True).status_code == 404
    assert draft.public_id not in _letters_linked(
        client, client.get(url("letter", first), follow=True).content.decode()
    )


def test_not_emailed_letter_closes_once_the_candidate_is_erased(client, hr_user):
    from feedback.privacy.services import candidate_erase

    first = _unsubscribed_letter()
    second = _second_letter_approved(first.application.candidate, hr_user)
    delivery_send(kind="letter", pk=second.pk)
    candidate_erase(candidate=first.application.candidate, by=hr_user)
    assert client.get(url("letter", second), follow=True).status_code == 404


# Answers ------------------------------------------------------------------------------------


def test_answers_are_not_emailed_after_unsubscribing(client, hr_user, mailoutbox):
    letter = _unsubscribed_letter()
    request = _answer_approved(letter, hr_user)
    assert request.status == FeedbackRequest.Status.CANCELLED
    assert delivery_send(kind="answer", pk=request.pk) == Outcome.SKIPPED
    assert mailoutbox == []
    assert "compare a sliding window" in client.get(url("letter", letter), follow=True).content.decode()


def test_opting_into_the_reminder_after_unsubscribing_still_keeps_answers_off_email(
    client, hr_user, mailoutbox
):
    letter = _unsubscribed_letter()
    services.reminder_opt_in(letter=letter)
    candidate = Candidate.objects.get(pk=letter.application.candidate_id)
    assert candidate.unsubscribed
    request = _answer_approved(letter, hr_user)
    assert request.status == FeedbackRequest.Status.CANCELLED
    assert "unsubscribed" in request.last_error
    # Even an answer row that reached the engine scheduled is skipped, not sent.
    FeedbackRequest.objects.filter(pk=request.pk).update(
        status=FeedbackRequest.Status.SCHEDULED, send_after=timezone.now() - dt.timedelta(seconds=1)
    )
    assert delivery_send(kind="answer", pk=request.pk) == Outcome.CANCELLED
    assert mailoutbox == []
    assert "compare a sliding window" in client.get(url("letter", letter), follow=True).content.decode()


def test_opting_into_the_reminder_after_unsubscribing_keeps_letters_off_email(hr_user, mailoutbox):
    first = _unsubscribed_letter()
    services.reminder_opt_in(letter=first)
    second = _second_letter_approved(first.application.candidate, hr_user)
    assert delivery_send(kind="letter", pk=second.pk) == Outcome.CANCELLED
    assert mailoutbox == []


# The one reminder ------------------------------------------------------------------------------


def test_reminder_asked_for_after_unsubscribing_is_sent_and_nothing_else_changes(mailoutbox):
    letter = _unsubscribed_letter()
    reminder = services.reminder_opt_in(letter=letter)
    _due(ReapplyReminder, reminder.pk)
    assert delivery_send(kind="reminder", pk=reminder.pk) == Outcome.SENT
    assert len(mailoutbox) == 1
    assert Candidate.objects.get(pk=letter.application.candidate_id).unsubscribed
    assert not AuditEvent.objects.filter(verb="candidate.resubscribed").exists()


def test_reminder_asked_for_before_unsubscribing_is_cancelled_and_not_sent(mailoutbox):
    letter = make_letter()
    reminder = services.reminder_opt_in(letter=letter)
    services.candidate_unsubscribe(candidate=letter.application.candidate)
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED
    # A row the engine already held (a retry) when they unsubscribed is skipped at send time.
    ReapplyReminder.objects.filter(pk=reminder.pk).update(
        status=DeliveryStatus.SCHEDULED, send_after=timezone.now() - dt.timedelta(seconds=1)
    )
    assert delivery_send(kind="reminder", pk=reminder.pk) == Outcome.CANCELLED
    assert mailoutbox == []


def test_asking_again_for_a_reminder_held_since_before_the_unsubscribe_sends_it(mailoutbox):
    letter = make_letter()
    reminder = services.reminder_opt_in(letter=letter)
    Candidate.objects.filter(pk=letter.application.candidate_id).update(unsubscribed_at=timezone.now())
    letter.application.candidate.refresh_from_db()
    services.reminder_opt_in(letter=letter)  # the row was still scheduled: this request counts
    _due(ReapplyReminder, reminder.pk)
    assert delivery_send(kind="reminder", pk=reminder.pk) == Outcome.SENT


def test_turning_the_reminder_on_while_unsubscribed_says_it_is_the_only_email(client):
    letter = _unsubscribed_letter()
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "we will send you this one reminder and nothing else: you stay unsubscribed" in page
    response = client.post(url("remind", letter), {"action": "on"}, follow=True)
    text = response.content.decode()
    assert "It is the only email we will send you: you are still unsubscribed from the rest." in text
    assert "except the reminder you asked for" in text


def test_unsubscribing_again_cancels_a_reminder_asked_for_since(client):
    letter = _unsubscribed_letter()
    reminder = services.reminder_opt_in(letter=letter)
    page = client.get(url("unsubscribe", letter, "unsubscribe"), follow=True).content.decode()
    assert "You have already unsubscribed" in page
    assert "That reminder is the only email we will still send you." in page
    assert "Cancel my reminder too" in page
    client.post(url("unsubscribe", letter, "unsubscribe"))
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED
    page = client.get(url("unsubscribe", letter, "unsubscribe"), follow=True).content.decode()
    assert "Cancel my reminder too" not in page
    # Audited once, when they first unsubscribed.
    assert AuditEvent.objects.filter(verb="candidate.unsubscribed").count() == 1


def test_one_click_unsubscribe_also_cancels_a_reminder_asked_for_since():
    from django.test import Client

    letter = _unsubscribed_letter()
    reminder = services.reminder_opt_in(letter=letter)
    response = Client(enforce_csrf_checks=True).post(
        url("unsubscribe", letter, "unsubscribe"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED
