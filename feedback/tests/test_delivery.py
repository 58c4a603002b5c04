"""The sending engine in one process: claims, state changes, failures, retries (no worker)."""

import dataclasses
import datetime as dt
import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from candidates.models import Candidate
from core.audit import audit_for
from feedback import delivery
from feedback.delivery import (
    RETRY_BACKOFF_MAX,
    Outcome,
    TemporaryDeliveryError,
    deliveries_claim_due,
    deliveries_sweep,
    delivery_retry,
    delivery_send,
)
from feedback.models import FeedbackLetter
from feedback.tasks import delivery_send_task

from .conftest import make_letters

pytestmark = pytest.mark.django_db

Status = FeedbackLetter.Status


@pytest.fixture
def queued(monkeypatch):
    """The (kind, id) of every send task queued, instead of publishing to a broker."""
    calls = []
    monkeypatch.setattr(
        delivery_send_task, "apply_async", lambda args, **options: calls.append(tuple(args)), raising=False
    )
    return calls


def plain_builder(letter):
    """The engine's tests do not depend on the letter's wording: a minimal two-part message."""
    msg = EmailMultiAlternatives(
        subject=letter.subject, body=letter.body, to=[letter.application.candidate.email]
    )
    msg.attach_alternative(f"<p>{letter.pk}</p>", "text/html")
    return msg


@pytest.fixture
def real_letter_builder():
    """Requested by a test that sends the letter as feedback.emails builds it."""


@pytest.fixture(autouse=True)
def _letter_builder(request, monkeypatch):
    if "real_letter_builder" not in request.fixturenames:
        plain = dataclasses.replace(
            delivery.KINDS["letter"], builder="feedback.tests.test_delivery.plain_builder"
        )
        monkeypatch.setitem(delivery.KINDS, "letter", plain)


@pytest.fixture(autouse=True)
def _fresh_mail_connection():
    delivery.delivery_connections_close()
    yield
    delivery.delivery_connections_close()


def refresh(letter):
    letter.refresh_from_db()
    return letter


# -- the sweep ----------------------------------------------------------------


def test_sweep_claims_due_letters_and_queues_one_task_each_after_commit(
    queued, django_capture_on_commit_callbacks
):
    due = make_letters(3)
    later = make_letters(1, send_after=timezone.now() + dt.timedelta(hours=1))
    draft = make_letters(1, status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        ids = deliveries_claim_due(kind="letter")
        assert queued == []  # nothing before commit
    assert sorted(ids) == sorted(letter.pk for letter in due)
    assert sorted(queued) == sorted(("letter", letter.pk) for letter in due)
    assert all(refresh(letter).claimed_until > timezone.now() for letter in due)
    assert refresh(later[0]).claimed_until is None
    assert refresh(draft[0]).claimed_until is None


def test_claimed_letters_are_not_claimed_again_while_the_lease_runs(
    queued, django_capture_on_commit_callbacks
):
    make_letters(2)
    with django_capture_on_commit_callbacks(execute=True):
        first = deliveries_claim_due(kind="letter")
        second = deliveries_claim_due(kind="letter")
    assert len(first) == 2
    assert second == []
    assert len(queued) == 2


def test_sweep_inside_a_transaction_that_rolls_back_queues_nothing(
    queued, django_capture_on_commit_callbacks
):
    (letter,) = make_letters(1, status=Status.IN_REVIEW)

    class Rollback(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            FeedbackLetter.objects.filter(pk=letter.pk).update(
                status=Status.SCHEDULED, send_after=timezone.now() - dt.timedelta(seconds=1)
            )
            assert deliveries_claim_due(kind="letter") == [letter.pk]
            raise Rollback
    assert callbacks == []
    assert queued == []
    assert refresh(letter).status == Status.IN_REVIEW


def test_sweep_takes_batches_until_no_due_letter_is_left(queued, django_capture_on_commit_callbacks):
    make_letters(7)
    with django_capture_on_commit_callbacks(execute=True):
        total = deliveries_sweep(kind="letter", batch=3)
    assert total == 7
    assert len(set(queued)) == 7


def test_letter_left_sending_by_a_dead_worker_is_queued_again_after_its_lease(
    queued, django_capture_on_commit_callbacks
):
    (letter,) = make_letters(1)
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=Status.SENDING, claimed_until=timezone.now() - dt.timedelta(seconds=1), attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_claim_due(kind="letter") == [letter.pk]
    assert refresh(letter).status == Status.SCHEDULED
    assert queued == [("letter", letter.pk)]


def test_letter_being_sent_under_a_live_lease_is_left_alone(queued, django_capture_on_commit_callbacks):
    (letter,) = make_letters(1)
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=Status.SENDING, claimed_until=timezone.now() + dt.timedelta(minutes=5), attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_claim_due(kind="letter") == []
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SKIPPED


def test_broker_down_releases_the_claims_for_the_next_sweep(monkeypatch, django_capture_on_commit_callbacks):
    letters = make_letters(4)
    published = []

    def flaky(args, **options):
        if len(published) == 1:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        published.append(tuple(args))

    monkeypatch.setattr(delivery_send_task, "apply_async", flaky, raising=False)
    with django_capture_on_commit_callbacks(execute=True):
        ids = deliveries_claim_due(kind="letter")
    assert len(ids) == 4 and len(published) == 1
    released = [letter for letter in letters if refresh(letter).claimed_until is None]
    assert len(released) == 3
    monkeypatch.setattr(delivery_send_task, "apply_async", lambda args, **o: published.append(tuple(args)))
    with django_capture_on_commit_callbacks(execute=True):
        again = deliveries_claim_due(kind="letter")
    assert sorted(again) == sorted(letter.pk for letter in released)
    assert len(set(published)) == 4


# -- sending ------------------------------------------------------------------


def test_due_letter_is_sent_once_as_stored_with_a_stable_message_id(mailoutbox, real_letter_builder):
    (letter,) = make_letters(1)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SKIPPED
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    letter = refresh(letter)
    assert letter.status == Status.SENT and letter.sent_at is not None
    assert letter.attempts == 1 and letter.claimed_until is None and letter.last_error == ""
    assert mail.to == [letter.application.candidate.email]
    assert mail.extra_headers["Message-ID"] == letter.message_id
    assert letter.message_id.startswith("<") and str(letter.public_id.hex) in letter.message_id.replace(
        "-", ""
    )
    assert letter.sent_subject == mail.subject
    assert letter.sent_text == mail.body
    assert letter.sent_html == mail.alternatives[0][0]
    assert [event.verb for event in audit_for(letter)] == ["letter.sent"]


def test_letter_not_yet_due_is_not_sent(mailoutbox):
    (letter,) = make_letters(1, send_after=timezone.now() + dt.timedelta(hours=2))
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SKIPPED
    assert mailoutbox == []
    assert refresh(letter).status == Status.SCHEDULED


def test_cancelled_letter_is_not_sent(mailoutbox):
    (letter,) = make_letters(1)
    FeedbackLetter.objects.filter(pk=letter.pk).update(status=Status.IN_REVIEW)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SKIPPED
    assert mailoutbox == []


def test_letter_to_an_erased_candidate_is_cancelled_with_the_reason(mailoutbox):
    (letter,) = make_letters(1)
    Candidate.objects.filter(pk=letter.application.candidate_id).update(erased_at=timezone.now())
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.CANCELLED
    letter = refresh(letter)
    assert mailoutbox == []
    assert letter.status == Status.CANCELLED
    assert "erased" in letter.last_error
    assert [event.verb for event in audit_for(letter)] == ["letter.cancelled"]


def test_message_that_cannot_be_built_fails_with_the_reason(monkeypatch, mailoutbox):
    (letter,) = make_letters(1)
    broken = dataclasses.replace(
        delivery.KINDS["letter"], builder="feedback.tests.test_delivery.broken_builder"
    )
    monkeypatch.setitem(delivery.KINDS, "letter", broken)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    letter = refresh(letter)
    assert letter.status == Status.FAILED
    assert "Could not prepare the message" in letter.last_error and "template is missing" in letter.last_error
    assert mailoutbox == []


def broken_builder(letter):
    raise LookupError("template is missing")


# -- SMTP failures (a real SMTP server in this process) ------------------------


def test_one_smtp_connection_carries_many_letters(smtp_sink):
    letters = make_letters(5)
    for letter in letters:
        assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    assert smtp_sink.distinct_count == 5
    assert smtp_sink.sessions == 1


def test_4xx_keeps_the_letter_waiting_for_the_retry_and_away_from_the_sweep(
    smtp_sink, queued, django_capture_on_commit_callbacks
):
    (letter,) = make_letters(1)
    smtp_sink.fail_next(1, code=451)
    with pytest.raises(TemporaryDeliveryError, match="451"):
        delivery_send(kind="letter", pk=letter.pk)
    letter = refresh(letter)
    assert letter.status == Status.SCHEDULED
    assert letter.attempts == 1
    assert "451" in letter.last_error and "trying again" in letter.last_error
    # Longer than Celery's longest back-off: the sweep leaves it to the retry.
    assert letter.claimed_until > timezone.now() + dt.timedelta(seconds=RETRY_BACKOFF_MAX)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_claim_due(kind="letter") == []
    # The retry (the same task again) sends it, once.
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    assert smtp_sink.distinct_count == 1
    assert refresh(letter).attempts == 2


def test_last_try_marks_the_letter_failed_with_a_reason_hr_can_read(smtp_sink, settings):
    settings.CANDOR_SEND_MAX_RETRIES = 1
    (letter,) = make_letters(1)
    smtp_sink.fail_next(5, code=421)
    with pytest.raises(TemporaryDeliveryError):
        delivery_send(kind="letter", pk=letter.pk)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    letter = refresh(letter)
    assert letter.status == Status.FAILED
    assert letter.last_error.startswith("The mail server answered 421")
    assert "Gave up after 2 tries" in letter.last_error
    assert [event.verb for event in audit_for(letter)] == ["letter.failed"]
    assert smtp_sink.raw_count == 0


def test_refused_connection_is_a_temporary_failure(smtp_sink):
    (letter,) = make_letters(1)
    smtp_sink.stop()
    with pytest.raises(TemporaryDeliveryError, match="refused"):
        delivery_send(kind="letter", pk=letter.pk)
    assert "connection was refused" in refresh(letter).last_error


def test_stalled_server_is_a_temporary_failure_after_the_timeout(smtp_sink, settings):
    settings.EMAIL_TIMEOUT = 0.5
    (letter,) = make_letters(1)
    smtp_sink.stall()
    with pytest.raises(TemporaryDeliveryError, match="did not answer"):
        delivery_send(kind="letter", pk=letter.pk)
    smtp_sink.unstall()
    assert "did not answer within 0.5 seconds" in refresh(letter).last_error
    assert smtp_sink.stall_hits == 1


def test_recipient_refused_with_5xx_fails_at_once_and_the_others_are_sent(smtp_sink):
    letters = make_letters(3)
    refused = letters[1]
    smtp_sink.refuse_recipient(refused.application.candidate.email, code=550)
    outcomes = [delivery_send(kind="letter", pk=letter.pk) for letter in letters]
    assert outcomes == [Outcome.SENT, Outcome.FAILED, Outcome.SENT]
    refused = refresh(refused)
    assert refused.status == Status.FAILED and refused.attempts == 1
    assert "refused the recipient's address (550" in refused.last_error
    assert smtp_sink.distinct_count == 2


def test_failed_letter_retried_by_hand_is_sent(smtp_sink, settings):
    settings.CANDOR_SEND_MAX_RETRIES = 0
    (letter,) = make_letters(1)
    smtp_sink.stop()
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    smtp_sink.start()
    delivery_retry(kind="letter", pk=letter.pk)
    letter = refresh(letter)
    assert letter.status == Status.SCHEDULED and letter.attempts == 0 and letter.last_error == ""
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    assert smtp_sink.distinct_count == 1


def test_only_a_failed_row_can_be_retried():
    (letter,) = make_letters(1)
    with pytest.raises(delivery.DeliveryStateError):
        delivery_retry(kind="letter", pk=letter.pk)


# -- the task -----------------------------------------------------------------


def test_send_task_retries_with_capped_backoff_and_bounded_tries(settings):
    assert delivery_send_task.autoretry_for == (TemporaryDeliveryError,)
    assert delivery_send_task.retry_backoff is True
    assert delivery_send_task.retry_jitter is True
    assert delivery_send_task.retry_backoff_max == RETRY_BACKOFF_MAX <= 300
    assert delivery_send_task.max_retries == settings.CANDOR_SEND_MAX_RETRIES
    assert delivery_send_task.acks_late is True


def test_a_late_retry_is_queued_no_more_than_five_minutes_ahead(smtp_sink, monkeypatch, settings):
    """Even after many tries the back-off countdown stays within 300 seconds."""
    (letter,) = make_letters(1)
    smtp_sink.fail_next(1, code=451)
    retries = []

    def record_retry(*args, **kwargs):
        retries.append(kwargs)
        raise RuntimeError("stop here")  # the real retry() would publish a message

    monkeypatch.setattr(delivery_send_task, "retry", record_retry)
    monkeypatch.setattr(delivery_send_task, "max_retries", 50)
    settings.CANDOR_SEND_MAX_RETRIES = 50
    result = delivery_send_task.apply(args=("letter", letter.pk), retries=20)
    assert isinstance(result.result, RuntimeError)
    assert len(retries) == 1
    assert 0 <= retries[0]["countdown"] <= 300


def test_send_task_on_its_last_try_marks_the_letter_failed(smtp_sink):
    (letter,) = make_letters(1)
    smtp_sink.fail_next(1, code=451)
    delivery_send_task.apply(args=("letter", letter.pk), retries=delivery_send_task.max_retries)
    letter = refresh(letter)
    assert letter.status == Status.FAILED
    assert "451" in letter.last_error


# -- the index the sweep reads ------------------------------------------------


@pytest.mark.services
@pytest.mark.parametrize(
    ("model_name", "index"),
    [
        ("FeedbackLetter", "letter_due_idx"),
        ("ReapplyReminder", "reminder_due_idx"),
        ("FeedbackRequest", "request_due_idx"),
    ],
)
def test_sweep_query_reads_the_partial_due_index(model_name, index):
    from django.apps import apps

    model = apps.get_model("feedback", model_name)
    qs = delivery.deliveries_due_queryset(model, timezone.now()).select_for_update(skip_locked=True)
    with connection.cursor() as cursor:
        # On an empty table a sequential scan is cheapest; forbid it to see which index serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = qs.values_list("pk", flat=True)[:500].explain()
    assert index in plan, plan


def test_smtp_errors_are_explained_for_hr():
    permanent, reason = delivery._explain(
        smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"5.1.1 No such user")})
    )
    assert permanent and reason == "The mail server refused the recipient's address (550 5.1.1 No such user)."
    permanent, reason = delivery._explain(
        smtplib.SMTPRecipientsRefused({"a@example.com": (452, b"4.2.2 Mailbox full")})
    )
    assert not permanent
    assert delivery._explain(smtplib.SMTPDataError(554, b"5.7.1 Spam"))[0] is True
    assert delivery._explain(smtplib.SMTPDataError(451, b"4.3.0 Later"))[0] is False
    assert delivery._explain(TimeoutError())[0] is False
