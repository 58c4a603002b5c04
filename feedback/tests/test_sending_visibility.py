"""What HR sees of sending (issue 13, Deliver 9): nothing stuck out of sight.

Letters and reapply reminders in sending, overdue, waiting for the mail server,
unknown and failed appear on the letter queue with where each stands and what HR
can do; an unknown one is sent again only once HR ticks that it did not arrive;
failed reminders are audited and can be retried.
"""

import dataclasses
import datetime as dt

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_for
from feedback.letters.selectors import sending_state
from feedback.letters.services import LetterStateError, letter_retry, reminder_retry
from feedback.models import FeedbackLetter, ReapplyReminder
from feedback.tests.conftest import make_letters
from outbox import services as delivery
from outbox.models import DeliveryStatus
from outbox.services import Outcome, delivery_send

pytestmark = pytest.mark.django_db

Status = FeedbackLetter.Status


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


def set_state(letter, **fields):
    FeedbackLetter.objects.filter(pk=letter.pk).update(**fields)
    letter.refresh_from_db()
    return letter


def reminder_for(letter, **fields) -> ReapplyReminder:
    defaults = {
        "candidate": letter.application.candidate,
        "opted_in_at": timezone.now(),
        "send_after": timezone.now() - dt.timedelta(hours=1),
        "status": DeliveryStatus.FAILED,
        "attempts": 3,
        "last_error": "The mail server refused the recipient's address (550 no such user).",
    }
    return ReapplyReminder.objects.create(application=letter.application, **{**defaults, **fields})


def queue(hr_client) -> str:
    return hr_client.get(reverse("feedback:letter_queue")).content.decode()


def test_a_letter_waiting_for_the_mail_server_says_so_with_its_try_and_next_time(hr_client):
    (letter,) = make_letters(1)
    next_try = timezone.now() + dt.timedelta(minutes=8)
    set_state(
        letter,
        attempts=7,
        failing_since=timezone.now() - dt.timedelta(hours=1),
        claimed_until=next_try,
        last_error="Try 7 failed, trying again: The mail server answered 421 4.3.2 Service not available.",
    )
    page = queue(hr_client)
    local = timezone.localtime(next_try)
    assert "Waiting for the mail server (try 7, next at" in page
    assert f"{local:%H:%M}" in page
    assert "421 4.3.2 Service not available" in page  # in the sending problems, with the detail
    assert "Failed" not in page.split('id="letter-queue"')[1]  # waiting is not failing
    editor = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    assert "Waiting for the mail server (try 7" in editor and "Cancel sending" in editor


def test_letters_sending_overdue_unknown_and_failed_all_appear_with_what_hr_can_do(hr_client):
    live, stalled, overdue, unknown, failed, fine = make_letters(6)
    now = timezone.now()
    set_state(live, status=Status.SENDING, attempts=1, claimed_until=now + dt.timedelta(seconds=20))
    set_state(stalled, status=Status.SENDING, attempts=1, claimed_until=now - dt.timedelta(seconds=5))
    set_state(overdue, send_after=now - dt.timedelta(hours=2))
    set_state(unknown, status=Status.UNKNOWN, attempts=1, last_error="The connection broke after ...")
    set_state(failed, status=Status.FAILED, attempts=1, last_error="The mail server refused (550).")
    set_state(fine, send_after=now + dt.timedelta(hours=3))

    response = hr_client.get(reverse("feedback:letter_queue"))
    shown = {letter.pk: letter.sending.key for letter in response.context["attention_letters"]}
    assert shown == {
        live.pk: "sending",
        stalled.pk: "stalled",
        overdue.pk: "overdue",
        unknown.pk: "unknown",
        failed.pk: "failed",
    }
    page = response.content.decode()
    assert "Being sent now." in page
    assert "Its sender stopped while sending it; it will be sent again within a minute." in page
    assert "check that the worker and beat are running" in page
    assert "The mail server may have received this letter; check before sending it again." in page
    assert "I checked: it did not arrive" in page
    assert "Send again now" in page


def test_an_unknown_letter_is_sent_again_only_when_hr_confirms_it_did_not_arrive(hr_client, hr_user):
    (letter,) = make_letters(1)
    set_state(letter, status=Status.UNKNOWN, attempts=1, last_error="The connection broke after ...")
    editor = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    assert "The mail server may have received this letter; check before sending it again." in editor
    assert 'name="confirm_resend"' in editor and letter.message_id in editor

    response = hr_client.post(reverse("feedback:letter_retry", args=[letter.pk]), follow=True)
    assert "tick the box to confirm it did not arrive" in response.content.decode()
    assert set_state(letter).status == Status.UNKNOWN

    hr_client.post(reverse("feedback:letter_retry", args=[letter.pk]), {"confirm_resend": "yes"})
    letter = set_state(letter)
    assert letter.status == Status.SCHEDULED and letter.attempts == 0
    resent = audit_for(letter).get(verb="letter.resent")
    assert resent.actor == hr_user and resent.data["was"] == "unknown"


def test_only_failed_or_confirmed_unknown_letters_can_be_sent_again(hr_user):
    (letter,) = make_letters(1)
    with pytest.raises(LetterStateError, match="only a failed letter"):
        letter_retry(letter=letter, by=hr_user, confirm_resend=True)


def test_the_candidate_can_open_a_letter_that_may_have_reached_them():
    from feedback.letters.selectors import letter_closed_to_candidate

    (letter,) = make_letters(1)
    letter = set_state(letter, status=Status.UNKNOWN)
    assert letter_closed_to_candidate(letter) is None


# -- reminders ------------------------------------------------------------------


def plain_reminder_builder(reminder):
    return EmailMultiAlternatives(subject="You can apply again", body="Hello", to=[reminder.candidate.email])


def test_a_failed_reminder_is_audited_shown_to_hr_and_retried(hr_client, hr_user, smtp_sink, monkeypatch):
    kind = dataclasses.replace(
        delivery.KINDS["reminder"], builder="feedback.tests.test_sending_visibility.plain_reminder_builder"
    )
    monkeypatch.setitem(delivery.KINDS, "reminder", kind)
    delivery.delivery_connections_close()
    (letter,) = make_letters(1, status=Status.SENT)
    reminder = reminder_for(letter, status=DeliveryStatus.SCHEDULED, attempts=0, last_error="")
    smtp_sink.refuse_recipient(letter.application.candidate.email, code=550)
    assert delivery_send(kind="reminder", pk=reminder.pk) == Outcome.FAILED
    assert [event.verb for event in audit_for(reminder)] == ["reminder.failed"]

    page = queue(hr_client)
    assert f'id="attention-reminder-{reminder.pk}"' in page
    assert "refused the recipient&#x27;s address (550" in page

    hr_client.post(reverse("feedback:reminder_retry", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.SCHEDULED and reminder.attempts == 0
    retried = audit_for(reminder).get(verb="reminder.retried")
    assert retried.actor == hr_user and "550" in retried.reason
    delivery.delivery_connections_close()


def test_an_unknown_reminder_needs_the_same_confirmation(hr_user):
    (letter,) = make_letters(1, status=Status.SENT)
    reminder = reminder_for(letter, status=DeliveryStatus.UNKNOWN, last_error="The connection broke ...")
    assert sending_state(reminder, noun="reminder").note.startswith(
        "The mail server may have received this reminder; check before sending it again."
    )
    with pytest.raises(LetterStateError, match="tick the box"):
        reminder_retry(reminder=reminder, by=hr_user)
    reminder_retry(reminder=reminder, by=hr_user, confirm_resend=True)
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.SCHEDULED
    assert audit_for(reminder).get(verb="reminder.resent")


def test_only_hr_may_retry_a_reminder(client, interviewer):
    (letter,) = make_letters(1, status=Status.SENT)
    reminder = reminder_for(letter)
    client.force_login(interviewer)
    assert client.post(reverse("feedback:reminder_retry", args=[reminder.pk])).status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.FAILED


def test_the_sending_problems_cost_the_same_few_queries_however_many_rows_need_attention(hr_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert hr_client.get(reverse("feedback:letter_queue")).status_code == 200
        return len(ctx.captured_queries)

    def trouble(n):
        for letter in make_letters(n):
            set_state(letter, status=Status.FAILED, attempts=1, last_error="550")
            reminder_for(letter)

    trouble(2)
    queries()  # warm: per-process caches (the 2FA policy, the webhook events wanted) fill once
    few = queries()
    trouble(8)
    queries()  # warm: the new letters' quality check is stored once (one bulk UPDATE)
    assert queries() == few
