"""The sending engine in one process: claims, state changes, failures, retries (no worker)."""

import dataclasses
import datetime as dt

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from candidates.models import Candidate
from core.audit import audit_for
from feedback.models import FeedbackLetter
from feedback.tests.conftest import make_letters
from outbox import sending
from outbox import services as delivery
from outbox.services import (
    RETRY_BACKOFF_MAX,
    Outcome,
    TemporaryDeliveryError,
    deliveries_claim_due,
    deliveries_send_chunk,
    deliveries_sweep,
    delivery_retry,
    delivery_send,
)
from outbox.tasks import delivery_send_chunk_task, delivery_send_task

pytestmark = pytest.mark.django_db

Status = FeedbackLetter.Status


class Published(list):
    """Send tasks queued, as (task name, args, countdown); ``rows``: the (kind, id) of every row in them."""

    def __init__(self):
        super().__init__()
        self.rows: list[tuple[str, int]] = []


@pytest.fixture
def published(monkeypatch):
    """Every send task queued, recorded instead of published to a broker."""
    calls = Published()
    for task in (delivery_send_task, delivery_send_chunk_task):

        def record(args, task=task, **options):
            name = task.name.rsplit(".", 1)[-1]
            calls.append((name, tuple(args), options.get("countdown")))
            kind, ids = args
            calls.rows.extend((kind, pk) for pk in (ids if name == "delivery_send_chunk_task" else [ids]))

        monkeypatch.setattr(task, "apply_async", record, raising=False)
    return calls


@pytest.fixture
def queued(published):
    """The (kind, id) of every row queued, alone or in a chunk."""
    return published.rows


def plain_builder(letter):
    """The engine's tests do not depend on the letter's wording: a minimal two-part message."""
    msg = EmailMultiAlternatives(
        subject=letter.subject, body=letter.body, to=[letter.application.candidate.email]
    )
    msg.attach_alternative(f"<p>{letter.pk}</p>", "text/html")
    return msg


@pytest.fixture
def real_letter_builder():
    """Requested by a test that sends the letter as feedback.letters.emails builds it."""


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


def test_broker_down_releases_the_claims_for_the_next_sweep(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.CANDOR_SEND_CHUNK = 2
    letters = make_letters(5)
    published = []

    def flaky(args, **options):
        if len(published) == 1:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        published.append(tuple(args[1]))

    monkeypatch.setattr(delivery_send_chunk_task, "apply_async", flaky, raising=False)
    with django_capture_on_commit_callbacks(execute=True):
        ids = deliveries_claim_due(kind="letter")
    # The first chunk (2 letters) was queued; the second could not be, nor the rest.
    assert len(ids) == 5 and len(published) == 1
    released = [letter for letter in letters if refresh(letter).claimed_until is None]
    assert len(released) == 3
    assert not {letter.pk for letter in released} & set(published[0])

    def record(args, **options):
        published.append(tuple(args[1]) if isinstance(args[1], list) else (args[1],))

    monkeypatch.setattr(delivery_send_chunk_task, "apply_async", record)
    monkeypatch.setattr(delivery_send_task, "apply_async", record)
    with django_capture_on_commit_callbacks(execute=True):
        again = deliveries_claim_due(kind="letter")
    assert sorted(again) == sorted(letter.pk for letter in released)
    assert sorted(pk for chunk in published for pk in chunk) == sorted(letter.pk for letter in letters)


def test_sweep_queues_one_task_per_chunk_and_a_lone_row_on_the_single_task(
    published, settings, django_capture_on_commit_callbacks
):
    settings.CANDOR_SEND_CHUNK = 3
    letters = make_letters(7)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_claim_due(kind="letter")
    assert [(name, len(args[1]) if isinstance(args[1], list) else 1) for name, args, _c in published] == [
        ("delivery_send_chunk_task", 3),
        ("delivery_send_chunk_task", 3),
        ("delivery_send_task", 1),
    ]
    assert sorted(published.rows) == sorted(("letter", letter.pk) for letter in letters)


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
    # Claimed until its retry is due plus a lease: the sweep leaves it to the retry
    # (and queues it again soon after, should the retry be lost with the broker).
    assert letter.claimed_until > timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_claim_due(kind="letter") == []
    # The retry (the same task again) sends it, once.
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    assert smtp_sink.distinct_count == 1
    assert refresh(letter).attempts == 2


def test_last_try_marks_the_letter_failed_with_a_reason_hr_can_read(smtp_sink, settings):
    settings.CANDOR_SEND_MAX_RETRIES = 1
    settings.CANDOR_SEND_RETRY_HOURS = 0  # no waiting in the database: the last try is the task's
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
    settings.CANDOR_SEND_RETRY_HOURS = 0
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


def test_send_task_on_its_last_try_marks_the_letter_failed(smtp_sink, settings):
    settings.CANDOR_SEND_RETRY_HOURS = 0
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
        ("LateDigest", "digest_due_idx"),
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


# -- sending a chunk ----------------------------------------------------------


def sink_ids(sink) -> dict:
    return dict(sink.by_message_id)


def test_chunk_sends_each_letter_once_and_the_same_chunk_again_sends_nothing(smtp_sink, real_letter_builder):
    letters = make_letters(5)
    pks = [letter.pk for letter in letters]
    assert deliveries_send_chunk(kind="letter", pks=pks) == dict.fromkeys(pks, Outcome.SENT)
    # A redelivered or duplicate chunk finds every row sent.
    assert deliveries_send_chunk(kind="letter", pks=pks) == dict.fromkeys(pks, Outcome.SKIPPED)
    assert smtp_sink.raw_count == 5 and smtp_sink.sessions == 1
    rows = [refresh(letter) for letter in letters]
    assert sink_ids(smtp_sink) == {row.message_id: 1 for row in rows}
    for row in rows:
        assert row.status == Status.SENT and row.attempts == 1 and row.sent_at is not None
        assert row.claimed_until is None
        assert row.sent_subject == row.subject and row.sent_text.startswith(row.body.strip())
        assert "<p>" in row.sent_html
        assert [event.verb for event in audit_for(row)] == ["letter.sent"]


@pytest.mark.parametrize("mark_every", [1, 50])
def test_chunk_reads_its_rows_in_one_query_whatever_its_size(
    mailoutbox, real_letter_builder, settings, mark_every
):
    from django.test.utils import CaptureQueriesContext

    from events.delivery import webhooks_wanted

    settings.CANDOR_SEND_MARK_EVERY = mark_every
    webhooks_wanted("letter.sent")  # warm: read once per CANDOR_WEBHOOK_WANTED_CACHE_SECONDS
    counts = []
    for n in (3, 12):
        pks = [letter.pk for letter in make_letters(n)]
        with CaptureQueriesContext(connection) as ctx:
            assert set(deliveries_send_chunk(kind="letter", pks=pks).values()) == {Outcome.SENT}
        selects = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        counts.append((len(selects), len(ctx.captured_queries)))
    (selects_small, small), (selects_large, large) = counts
    assert selects_large == selects_small, "reads grow with the chunk (N+1)"
    if mark_every > 1:
        assert large == small
    else:
        # Marked sent after each message: its UPDATE and audit INSERT (and savepoint) only.
        assert (large - small) / 9 <= 4
    assert len(mailoutbox) == 15


def test_chunk_leaves_out_a_row_another_worker_took_meanwhile(smtp_sink, monkeypatch):
    letters = make_letters(3)
    other = letters[1]

    def builder_while_another_worker_takes_one(letter):
        # Between this worker's read and its take, another worker takes `other`.
        FeedbackLetter.objects.filter(pk=other.pk, attempts=0).update(
            status=Status.SENDING, attempts=1, claimed_until=timezone.now() + dt.timedelta(minutes=5)
        )
        return plain_builder(letter)

    racing = dataclasses.replace(
        delivery.KINDS["letter"], builder="feedback.tests.test_delivery.racing_builder"
    )
    monkeypatch.setitem(delivery.KINDS, "letter", racing)
    monkeypatch.setattr(
        "feedback.tests.test_delivery.racing_builder", builder_while_another_worker_takes_one, raising=False
    )
    outcomes = deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in letters])
    assert outcomes == {letters[0].pk: "sent", other.pk: "skipped", letters[2].pk: "sent"}
    assert smtp_sink.raw_count == 2
    assert refresh(other).status == Status.SENDING and refresh(other).sent_subject == ""


def racing_builder(letter):  # replaced by the test above
    raise AssertionError


def test_chunk_with_one_4xx_message_sends_the_others_once_and_retries_that_one(
    smtp_sink, published, django_capture_on_commit_callbacks
):
    letters = make_letters(4)
    first = letters[0]
    smtp_sink.fail_next(1, code=451)  # the chunk sends in id order: the first letter gets it
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in letters])
    assert [outcomes[letter.pk] for letter in letters] == ["skipped", "sent", "sent", "sent"]
    first = refresh(first)
    assert first.status == Status.SCHEDULED and first.attempts == 1
    assert first.last_error.startswith("Try 1 failed, trying again: The mail server answered 451")
    assert first.claimed_until > timezone.now()
    # Its retry goes to the single-row task, with back-off; the sweep leaves it alone.
    assert [(name, args) for name, args, _c in published] == [("delivery_send_task", ("letter", first.pk))]
    assert 0 <= published[0][2] <= RETRY_BACKOFF_MAX
    assert deliveries_claim_due(kind="letter") == []
    assert delivery_send(kind="letter", pk=first.pk) == Outcome.SENT
    assert deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in letters]) == dict.fromkeys(
        [letter.pk for letter in letters], "skipped"
    )
    assert smtp_sink.raw_count == 4
    assert sink_ids(smtp_sink) == {refresh(letter).message_id: 1 for letter in letters}
    assert statuses_of(letters) == {Status.SENT: 4}
    assert refresh(first).attempts == 2


def statuses_of(letters) -> dict:
    counts: dict = {}
    for letter in letters:
        status = refresh(letter).status
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_chunk_with_a_5xx_recipient_fails_only_that_letter(smtp_sink, published):
    letters = make_letters(3)
    refused = letters[1]
    smtp_sink.refuse_recipient(refused.application.candidate.email, code=550)
    outcomes = deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in letters])
    assert [outcomes[letter.pk] for letter in letters] == ["sent", "failed", "sent"]
    refused = refresh(refused)
    assert refused.status == Status.FAILED and refused.attempts == 1
    assert "refused the recipient's address (550" in refused.last_error
    assert [event.verb for event in audit_for(refused)] == ["letter.failed"]
    assert statuses_of(letters) == {Status.SENT: 2, Status.FAILED: 1}
    assert smtp_sink.raw_count == 2
    assert published == []


def test_server_lost_mid_chunk_marks_the_sent_ones_and_hands_the_rest_back_for_retry(
    smtp_sink, published, monkeypatch, django_capture_on_commit_callbacks
):
    letters = make_letters(5)
    pks = [letter.pk for letter in letters]
    transmit = sending._transmit
    calls = []

    def server_goes_away_at_the_third(msg):
        calls.append(msg)
        if len(calls) == 3:
            raise ConnectionRefusedError(111, "Connection refused")
        transmit(msg)

    monkeypatch.setattr(sending, "_transmit", server_goes_away_at_the_third)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = deliveries_send_chunk(kind="letter", pks=pks)
    assert [outcomes[pk] for pk in pks] == ["sent", "sent", "skipped", "skipped", "skipped"]
    assert len(calls) == 3, "the chunk stopped at the failure"
    rows = [refresh(letter) for letter in letters]
    assert [row.status for row in rows[:2]] == [Status.SENT, Status.SENT]
    failed, untried = rows[2], rows[3:]
    assert failed.status == Status.SCHEDULED and failed.attempts == 1
    assert "connection was refused" in failed.last_error
    assert all(row.status == Status.SCHEDULED and row.attempts == 0 for row in untried)
    assert all(row.claimed_until > timezone.now() for row in rows[2:])
    assert sorted((name, args) for name, args, _c in published) == [
        ("delivery_send_chunk_task", ("letter", [rows[3].pk, rows[4].pk])),
        ("delivery_send_task", ("letter", failed.pk)),
    ]
    # The retries (or a redelivery of the same chunk) send the rest; nobody gets two.
    monkeypatch.setattr(sending, "_transmit", transmit)
    assert deliveries_send_chunk(kind="letter", pks=pks) == {
        **dict.fromkeys(pks[:2], "skipped"),
        **dict.fromkeys(pks[2:], "sent"),
    }
    assert delivery_send(kind="letter", pk=failed.pk) == Outcome.SKIPPED
    assert smtp_sink.raw_count == 5 and smtp_sink.distinct_count == 5
    assert [refresh(letter).attempts for letter in letters] == [1, 1, 2, 1, 1]


def test_chunk_takes_rows_left_sending_by_a_dead_worker_once_their_lease_ran_out(smtp_sink):
    letters = make_letters(2)
    FeedbackLetter.objects.filter(pk=letters[0].pk).update(
        status=Status.SENDING, claimed_until=timezone.now() - dt.timedelta(seconds=1), attempts=1
    )
    FeedbackLetter.objects.filter(pk=letters[1].pk).update(
        status=Status.SENDING, claimed_until=timezone.now() + dt.timedelta(minutes=5), attempts=1
    )
    outcomes = deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in letters])
    assert outcomes == {letters[0].pk: "sent", letters[1].pk: "skipped"}
    assert refresh(letters[0]).attempts == 2
    assert smtp_sink.raw_count == 1


def test_chunk_cancels_a_letter_to_an_erased_candidate_and_sends_the_others(smtp_sink):
    letters = make_letters(3)
    Candidate.objects.filter(pk=letters[0].application.candidate_id).update(erased_at=timezone.now())
    outcomes = deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in letters])
    assert [outcomes[letter.pk] for letter in letters] == ["cancelled", "sent", "sent"]
    assert refresh(letters[0]).status == Status.CANCELLED
    assert smtp_sink.raw_count == 2


def test_chunk_task_sends_and_counts_outcomes(smtp_sink):
    letters = make_letters(3)
    result = delivery_send_chunk_task.apply(args=("letter", [letter.pk for letter in letters]))
    assert result.get() == {"sent": 3}
    assert delivery_send_chunk_task.acks_late is True


def test_chunk_too_slow_for_its_lease_hands_the_rest_back_instead_of_racing_the_sweep(
    smtp_sink, settings, monkeypatch, published, django_capture_on_commit_callbacks
):
    import time

    settings.CANDOR_SEND_LEASE_SECONDS = 1  # stop half a lease after taking: 0.5 s
    letters = make_letters(4)
    pks = [letter.pk for letter in letters]
    transmit = sending._transmit

    def slow(msg):
        time.sleep(0.3)
        transmit(msg)

    monkeypatch.setattr(sending, "_transmit", slow)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = deliveries_send_chunk(kind="letter", pks=pks)
    assert [outcomes[pk] for pk in pks] == ["sent", "sent", "skipped", "skipped"]
    assert statuses_of(letters) == {Status.SENT: 2, Status.SCHEDULED: 2}
    assert [refresh(letter).attempts for letter in letters[2:]] == [0, 0]
    assert [(name, args) for name, args, _c in published] == [
        ("delivery_send_chunk_task", ("letter", pks[2:]))
    ]
    assert smtp_sink.raw_count == 2


def test_the_hand_over_gate_is_held_only_while_a_handed_over_letter_is_unmarked(smtp_sink, monkeypatch):
    """Issue 13: at most one message per worker between hand-over and marking. The gate is taken
    as the end of DATA is written and given back once the row is marked sent, for a single send
    and for each letter of a chunk."""
    from outbox import handover

    held_at_mark = []
    real_mark = sending.rows_mark_sent

    def mark(spec, rows):
        if rows:
            held_at_mark.append(handover.held())
        return real_mark(spec, rows)

    monkeypatch.setattr(sending, "rows_mark_sent", mark)
    first, *chunk = make_letters(4)
    assert delivery_send(kind="letter", pk=first.pk) == Outcome.SENT
    assert not handover.held()
    sending.deliveries_send_chunk(kind="letter", pks=[letter.pk for letter in chunk])
    assert not handover.held()
    assert held_at_mark == [True] * 4
    assert smtp_sink.distinct_count == 4
