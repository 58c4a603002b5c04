"""No ghosting: the daily digest of candidates waiting past a feedback deadline."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback.digest import late_digest_send
from feedback.models import FeedbackLetter, FeedbackRequest
from feedback.tasks import late_digest_task
from feedback.tests.conftest import make_letters
from hiring.tests.factories import InterviewerFactory

pytestmark = pytest.mark.django_db

Status = FeedbackLetter.Status


def past(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def late_letters(n: int, *, decider, status=Status.IN_REVIEW, days_late=2):
    return make_letters(n, status=status, deadline=past(days_late), decider=decider)


def open_request(letter, *, days_late=1, status=FeedbackRequest.Status.OPEN) -> FeedbackRequest:
    return FeedbackRequest.objects.create(
        letter=letter,
        question="Could you say more about the system design round?",
        status=status,
        asked_at=past(days_late + 5),
        deadline=past(days_late),
    )


@pytest.fixture
def dana():
    return InterviewerFactory(first_name="Dana", last_name="Decider", email="dana@staff.example.com")


@pytest.fixture
def omar():
    return InterviewerFactory(first_name="Omar", last_name="Other", email="omar@staff.example.com")


def by_recipient(mailoutbox) -> dict:
    return {mail.to[0]: mail for mail in mailoutbox}


def test_hr_and_each_decider_get_a_digest_of_their_late_candidates(mailoutbox, settings, dana, omar):
    settings.CANDOR_HR_EMAIL = "people@example.com"
    dana_letters = late_letters(2, decider=dana, days_late=3)
    (omar_letter,) = late_letters(1, decider=omar)
    sent_letter = make_letters(1, status=Status.SENT, deadline=past(1), decider=omar)[0]
    open_request(sent_letter, days_late=2)

    assert late_digest_send() == 3
    mails = by_recipient(mailoutbox)
    assert set(mails) == {"people@example.com", "dana@staff.example.com", "omar@staff.example.com"}

    hr = mails["people@example.com"]
    assert hr.subject.startswith("4 candidates waiting past a feedback deadline")
    for letter in [*dana_letters, omar_letter]:
        assert letter.application.candidate.name in hr.body
    assert "Requests for more detail not answered by their deadline: 1" in hr.body
    assert "3 days late" in hr.body
    assert f"/hr/letters/{omar_letter.pk}/" in hr.body

    dana_mail = mails["dana@staff.example.com"]
    assert dana_mail.subject.startswith("2 candidates waiting")
    assert omar_letter.application.candidate.name not in dana_mail.body
    omar_mail = mails["omar@staff.example.com"]
    assert omar_letter.application.candidate.name in omar_mail.body
    assert "Requests for more detail" in omar_mail.body


def test_digest_has_text_and_html_parts_and_a_message_id_per_day_and_recipient(mailoutbox, dana):
    late_letters(1, decider=dana)
    late_digest_send()
    hr = by_recipient(mailoutbox)["hr@candor.example"]
    html, mimetype = hr.alternatives[0]
    assert mimetype == "text/html"
    assert "<h2>Letters not sent by their deadline: 1</h2>" in html
    day = timezone.localdate().isoformat()
    assert hr.extra_headers["Message-ID"] == f"<candor.digest.{day}.hr@candor.example>"
    message = hr.message()
    assert message["Date"]


def test_on_time_sent_and_cancelled_letters_are_not_in_the_digest(mailoutbox, dana):
    make_letters(1, status=Status.IN_REVIEW, deadline=timezone.now() + dt.timedelta(days=1), decider=dana)
    make_letters(1, status=Status.SENT, deadline=past(3), decider=dana)
    make_letters(1, status=Status.CANCELLED, deadline=past(3), decider=dana)
    assert late_digest_send() == 0
    assert mailoutbox == []


def test_failed_letter_past_its_deadline_is_listed_with_the_reason(mailoutbox, dana):
    (letter,) = late_letters(1, decider=dana, status=Status.FAILED)
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        last_error="The mail server refused the recipient's address."
    )
    late_digest_send()
    assert (
        "Last error: The mail server refused the recipient's address."
        in by_recipient(mailoutbox)["hr@candor.example"].body
    )


def test_digest_is_sent_once_a_day_even_if_the_job_runs_twice(mailoutbox, dana):
    late_letters(1, decider=dana)
    assert late_digest_task.apply().result == 2
    assert late_digest_task.apply().result == 0
    assert len(mailoutbox) == 2
    # The next day it goes again.
    assert late_digest_send(now=timezone.now() + dt.timedelta(days=1)) == 2
    assert len(mailoutbox) == 4


def test_run_that_failed_half_way_is_finished_without_repeating_what_went_out(
    mailoutbox, dana, omar, monkeypatch
):
    late_letters(1, decider=dana)
    late_letters(1, decider=omar)
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    calls = []

    def send_two_then_fail(self, fail_silently=False):
        calls.append(self.to[0])
        if len(calls) == 3:
            raise ConnectionRefusedError("mail server gone")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send_two_then_fail)
    with pytest.raises(ConnectionRefusedError):
        late_digest_send()
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert late_digest_send() == 1
    recipients = sorted(mail.to[0] for mail in mailoutbox)
    assert recipients == sorted(["hr@candor.example", "dana@staff.example.com", "omar@staff.example.com"])


def test_decider_without_an_email_address_is_skipped(mailoutbox):
    nobody = InterviewerFactory(email="")
    late_letters(1, decider=nobody)
    assert late_digest_send() == 1
    assert [mail.to for mail in mailoutbox] == [["hr@candor.example"]]


def test_names_with_markup_are_escaped_in_the_html_digest(mailoutbox, dana):
    (letter,) = late_letters(1, decider=dana)
    candidate = letter.application.candidate
    candidate.name = '<script>alert("x")</script> Zoë'
    candidate.save()
    late_digest_send()
    html = by_recipient(mailoutbox)["hr@candor.example"].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "Zoë" in html


# -- the digest is a row, sent by the outbox ---------------------------------------


def test_each_digest_is_a_row_sent_by_the_outbox_not_an_audit_record(mailoutbox, dana):
    from core.models import AuditEvent
    from feedback.models import LateDigest

    late_letters(1, decider=dana)
    assert late_digest_send() == 2
    rows = list(LateDigest.objects.order_by("pk"))
    day = timezone.localdate()
    assert [(row.user_id, row.day, row.status, row.attempts) for row in rows] == [
        (None, day, "sent", 1),
        (dana.pk, day, "sent", 1),
    ]
    assert {row.message_id for row in rows} == {mail.extra_headers["Message-ID"] for mail in mailoutbox}
    assert rows[1].message_id == f"<candor.digest.{day.isoformat()}.u{dana.pk}@candor.example>"
    # The audit trail only mirrors the rows: each event names its digest row.
    events = AuditEvent.objects.filter(verb="digest.sent").order_by("target_id")
    assert [(event.target_type, event.target_id) for event in events] == [
        ("feedback.latedigest", row.pk) for row in rows
    ]
    assert late_digest_send() == 0
    assert len(mailoutbox) == 2


def test_a_sent_digest_keeps_its_subject_but_not_the_names_it_listed(mailoutbox, dana):
    from feedback.models import LateDigest

    late_letters(1, decider=dana)
    late_digest_send()
    for row in LateDigest.objects.all():
        assert row.sent_subject.startswith("1 candidate waiting past a feedback deadline")
        assert row.sent_text == "" and row.sent_html == ""


def _fail_sends_from(monkeypatch, n: int) -> None:
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    calls = []

    def send(self, fail_silently=False):
        calls.append(self.to[0])
        if len(calls) >= n:
            raise ConnectionRefusedError("mail server gone")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send)


def test_a_digest_that_is_no_longer_needed_is_cancelled_not_sent(mailoutbox, dana, monkeypatch):
    from feedback.models import LateDigest

    (letter,) = late_letters(1, decider=dana)
    _fail_sends_from(monkeypatch, 2)  # HR's goes, Dana's cannot
    with pytest.raises(ConnectionRefusedError):
        late_digest_send()
    monkeypatch.undo()
    # Meanwhile the letter went out: nothing is late for Dana any more.
    FeedbackLetter.objects.filter(pk=letter.pk).update(status=Status.SENT)
    assert late_digest_send() == 0
    dana_digest = LateDigest.objects.get(user=dana)
    assert dana_digest.status == "cancelled" and "nothing is late any more" in dana_digest.last_error
    assert [mail.to for mail in mailoutbox] == [["hr@candor.example"]]


def test_a_digest_the_morning_run_could_not_send_is_sent_by_the_sweep(
    mailoutbox, dana, monkeypatch, django_capture_on_commit_callbacks
):
    from feedback.models import LateDigest
    from outbox.services import deliveries_claim_due, deliveries_send_chunk

    late_letters(1, decider=dana)
    _fail_sends_from(monkeypatch, 1)
    with pytest.raises(ConnectionRefusedError):
        late_digest_send()
    monkeypatch.undo()
    assert mailoutbox == []
    # Leased to the run, then held for its retry: the sweep waits until the claims run out.
    with django_capture_on_commit_callbacks(execute=False):
        assert deliveries_claim_due(kind="digest") == []
    LateDigest.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=False):
        ids = deliveries_claim_due(kind="digest")
    assert len(ids) == 2
    # What the queued chunk task runs: the engine's chunk path, with the kind's prepare hook.
    assert set(deliveries_send_chunk(kind="digest", pks=ids).values()) == {"sent"}
    assert sorted(mail.to[0] for mail in mailoutbox) == ["dana@staff.example.com", "hr@candor.example"]
    assert late_digest_send() == 0


def test_yesterdays_unsent_digest_is_replaced_by_todays(mailoutbox, dana):
    from feedback.models import LateDigest
    from outbox.services import delivery_send

    late_letters(1, decider=dana)
    yesterday = LateDigest.objects.create(
        user=None, day=timezone.localdate() - dt.timedelta(days=1), send_after=past(1)
    )
    assert delivery_send(kind="digest", pk=yesterday.pk) == "cancelled"
    assert late_digest_send() == 2
    assert len(mailoutbox) == 2
