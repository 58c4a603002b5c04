"""Sending rows' emails, each exactly once: one row, a chunk of rows, retries.

- ``delivery_send`` prepares the message, then takes the row with a conditional
  update (scheduled → sending), sends it and moves it sending → sent. A second
  run of the same task finds the row taken or sent and does nothing.
- The message is built ONCE per row: its first take stores the exact bytes and
  envelope (``sent_raw``, ``sent_envelope``) with its Message-ID, subject and
  bodies; every later try (a retry, a redelivered task, a resend after a crash,
  HR's resend) sends those same bytes. Links in it are signed once.
- ``deliveries_send_chunk`` does the same for many rows at once: one query
  loads them, one locked read and one bulk update take them (only rows still as
  read are taken, so a duplicate or redelivered chunk sends nothing), one SMTP
  session carries them, and they are marked sent every ``CANDOR_SEND_MARK_EVERY``
  messages.
- While a worker sends, ``outbox.leases.LeaseKeeper`` renews its short lease and
  cuts any send that outlives ``CANDOR_SEND_DEADLINE_SECONDS``.
- Outcomes: sent; a 5xx refusal (or a message that cannot be built) fails the
  row; a temporary failure (4xx, refused, timed out) makes it wait for another
  try, first through the task's own retry (Celery, at most 300 s ahead, while
  ``attempts <= CANDOR_SEND_MAX_RETRIES``), then in the database with a growing
  wait that the recovery sweep picks up, until ``CANDOR_SEND_RETRY_HOURS`` have
  passed since the first failure; then it fails. A dialogue that broke after the
  message was handed over makes the row *unknown*: it is never sent again
  without HR.
- A database error after messages went out raises ``DeliveryInterrupted`` with
  the outcomes not yet written; the task retries and writes them first.

Messages go through ``settings.EMAIL_BACKEND``; with SMTP that is
``outbox.backends.PersistentSMTPBackend``, which keeps one session per process
and thread open across messages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPEmailBackend
from django.db import DatabaseError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from outbox import handover
from outbox.claims import (
    PUBLISH_RETRY_POLICY,
    RETRY_BACKOFF_MAX,
    SEND_CHUNK_TASK,
    SEND_TASK,
    db_time_in,
    takeable,
)
from outbox.errors import (
    DeliveryInterrupted,
    DeliveryStateError,
    NoRecipientError,
    Outcome,
    OutcomeUnknownError,
    TemporaryDeliveryError,
    explain_failure,
    failure_concerns_one_message,
)
from outbox.kinds import DeliveryKind, OutgoingPayload, delivery_kind
from outbox.leases import LeaseKeeper, chunk_budget_seconds
from outbox.marking import (
    SETTLED,
    UNTRIED,
    row_audit,
    row_fail_unsent,
    rows_mark_sent,
    rows_mark_unknown,
    rows_mine,
    rows_settle,
    rows_take,
)
from outbox.message_ids import delivery_message_id
from outbox.models import DeliveryStatus
from outbox.reports import suppressed_reasons

logger = logging.getLogger(__name__)


# -- the message, built once --------------------------------------------------


@dataclass
class Prepared:
    """One row ready to go: the exact bytes and envelope of its message.

    ``msg`` is the message built on this try (None: the bytes an earlier try stored).
    """

    row: models.Model
    raw: bytes
    envelope: dict  # {"from": str, "to": [str, ...]}
    msg: EmailMessage | None = None

    @property
    def fresh(self) -> bool:
        return self.msg is not None


class _RawMIME:
    """What ``EmailMessage.message()`` returns, for bytes already serialised: they go out as they are."""

    def __init__(self, raw: bytes):
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", policy=None) -> bytes:
        return self.raw

    def as_string(self, unixfrom: bool = False, linesep: str = "\n", policy=None) -> str:
        return self.raw.decode("utf-8", "replace")

    def get_charset(self):
        return None


class StoredMessage(EmailMessage):
    """A message whose bytes were built (and stored) before: every backend sends them unchanged."""

    def __init__(self, prepared: Prepared):
        row = prepared.row
        super().__init__(
            subject=getattr(row, "sent_subject", "") or "",
            body=getattr(row, "sent_text", "") or "",
            from_email=prepared.envelope["from"],
            to=list(prepared.envelope["to"]),
        )
        self._raw = prepared.raw

    def message(self, *args, **kwargs):
        return _RawMIME(self._raw)


def _force_message_id(msg: EmailMessage, message_id: str) -> None:
    """The stored Message-ID is the one that goes out, whatever the builder set.

    With ``CANDOR_MAIL_PROVIDER`` set, the Message-ID also goes in that provider's
    metadata header, which its delivery reports echo (Postmark and SendGrid report
    their own message ids, not ours): ``outbox.reports`` matches reports by it.
    """
    for header in [h for h in msg.extra_headers if h.lower() == "message-id"]:
        del msg.extra_headers[header]
    msg.extra_headers["Message-ID"] = message_id
    provider = getattr(settings, "CANDOR_MAIL_PROVIDER", "")
    if provider == "postmark":
        msg.extra_headers["X-PM-Metadata-candor_message_id"] = message_id
    elif provider == "mailgun":
        msg.extra_headers["X-Mailgun-Variables"] = json.dumps({"candor_message_id": message_id})
    elif provider == "sendgrid":
        msg.extra_headers["X-SMTPAPI"] = json.dumps({"unique_args": {"candor_message_id": message_id}})


def _prepare(spec: DeliveryKind, row, skip, builder) -> Prepared | str:
    """The row's message ready to go, or the skip hook's reason not to send it.

    A row tried before (``sent_raw`` stored) is not built again: the same bytes go.
    Raises whatever the builder raises, and ``NoRecipientError``.
    """
    reason = skip(row) if skip else ""
    if reason:
        return reason
    row.message_id = row.message_id or delivery_message_id(spec.name, row)
    if spec.keep_bodies and row.sent_raw and row.sent_envelope:
        return Prepared(row, bytes(row.sent_raw), row.sent_envelope)
    msg = builder(row)
    if isinstance(msg, OutgoingPayload):
        # Not an email (a webhook POST): its body is what is built once and stored.
        return Prepared(row, msg.raw, dict(msg.envelope), msg)
    _force_message_id(msg, row.message_id)
    recipients = list(msg.recipients())
    if not recipients:
        raise NoRecipientError("The message has no recipient address.")
    raw = msg.message().as_bytes(linesep="\r\n")
    return Prepared(row, raw, {"from": msg.from_email, "to": recipients}, msg)


def _unprepared_reason(exc: Exception) -> str:
    if isinstance(exc, NoRecipientError):
        return str(exc)
    return f"Could not prepare the message ({type(exc).__name__}: {exc})."


def _send_one(prepared: Prepared, spec: DeliveryKind) -> None:
    """Send one prepared item through the kind's transport (webhook POSTs), or as email (``_transmit``).

    A transport raises ``TransportError`` or ``OutcomeUnknownError``.
    """
    transport = spec.hook("transport")
    if transport is not None:
        transport(prepared)
    else:
        _transmit(prepared)


def _transmit(prepared: Prepared) -> None:
    """Send one prepared message through ``settings.EMAIL_BACKEND``; raise whatever the backend raises.

    SMTP backends get the stored bytes, exactly; other backends (locmem in tests, the
    demo's file backend) get the message object when it was built on this try.
    Raises ``OutcomeUnknownError`` when the server may have the message without having
    said so, ``NoRecipientError`` for a message with nobody to go to.
    """
    connection = get_connection(fail_silently=False)
    if prepared.msg is not None and not isinstance(connection, SMTPEmailBackend):
        msg = prepared.msg
    else:
        msg = StoredMessage(prepared)
    msg.connection = connection
    if not msg.send():
        raise NoRecipientError("The message has no recipient address.")


# -- waiting after a temporary failure ----------------------------------------


def _backoff(attempt: int) -> int:
    """The task's own retry after ``attempt`` tries: Celery's back-off (exponential, full jitter, ≤ 300 s)."""
    from celery.utils.time import get_exponential_backoff_interval

    return get_exponential_backoff_interval(
        factor=1, retries=max(0, attempt - 1), maximum=RETRY_BACKOFF_MAX, full_jitter=True
    )


def retry_wait_seconds(attempt: int) -> float:
    """How long a row waits in the database after ``attempt`` tries (past the task's own retries).

    Doubling from 2^(attempt-1) seconds up to ``CANDOR_SEND_RETRY_MAX_WAIT_SECONDS``
    (30 minutes by default), between half and all of it (jitter): with the defaults,
    about 30 s, 1, 2, 4, 8, 17 minutes, then every 15-30 minutes for the rest of the
    ``CANDOR_SEND_RETRY_HOURS``. Greylisting servers, which answer 451 for a few
    minutes by design, are tried again within their window.
    """
    ceiling = float(settings.CANDOR_SEND_RETRY_MAX_WAIT_SECONDS)
    wait = min(ceiling, 2.0 ** min(max(attempt - 1, 0), 30))
    return wait * random.uniform(0.5, 1.0)  # nosec B311 - jitter, not security


def _wait_or_fail(
    spec: DeliveryKind, row, reason: str, *, quick: bool
) -> tuple[str, float | None, float | None]:
    """A row this worker holds failed temporarily at try ``row.attempts``: make it wait, or fail it.

    - ``quick`` and ``attempts <= CANDOR_SEND_MAX_RETRIES``: it waits for the task's own
      retry (returned countdown ≤ 300 s), claimed for that countdown plus a lease, so
      the sweep leaves it to the retry, or picks it up soon if the retry is lost;
    - else, while ``CANDOR_SEND_RETRY_HOURS`` have not passed since its first failure
      (``failing_since``, on the database's clock): it waits in the database for
      ``retry_wait_seconds`` (countdown None) and the recovery sweep queues it then;
    - else it fails: "<reason> Gave up after n tries."

    Returns (outcome, countdown, wait): (``Outcome.WAITING``, the task's countdown or
    None, seconds until the next try), (``Outcome.FAILED``, None, None), or
    (``Outcome.SKIPPED``, None, None) if the row was not ours any more.
    """
    model = spec.model_class
    mine = rows_mine(model, [row])
    attempt = row.attempts
    lease = float(settings.CANDOR_SEND_LEASE_SECONDS)
    waiting = {
        "status": DeliveryStatus.SCHEDULED,
        "failing_since": Coalesce(F("failing_since"), Now()),
        "last_error": f"Try {attempt} failed, trying again: {reason}"[:2000],
    }
    if quick and attempt <= settings.CANDOR_SEND_MAX_RETRIES:
        countdown = _backoff(attempt)
        if mine.update(claimed_until=db_time_in(countdown + lease), **waiting):
            return Outcome.WAITING, countdown, countdown
        return Outcome.SKIPPED, None, None
    hours = float(settings.CANDOR_SEND_RETRY_HOURS)
    if hours > 0:
        window = Q(failing_since__isnull=True) | Q(
            failing_since__gt=Now() - timedelta(hours=hours)  # type: ignore[operator]
        )
        wait = retry_wait_seconds(attempt)
        if mine.filter(window).update(claimed_until=db_time_in(wait), **waiting):
            return Outcome.WAITING, None, wait
    reason = f"{reason} Gave up after {attempt} tries."
    with transaction.atomic():
        changed = mine.update(status=DeliveryStatus.FAILED, last_error=reason[:2000], **SETTLED)
        if changed:
            row_audit(spec, row, "failed", reason)
    return (Outcome.FAILED if changed else Outcome.SKIPPED), None, None


# -- one row -------------------------------------------------------------------


def delivery_send(*, kind: str, pk: int, last_try: bool = False, settled: list | None = None) -> str:
    """Send one row's email if it is due and nobody else is sending it. Returns an ``Outcome``.

    Raises ``TemporaryDeliveryError`` (from the mail server's error) when the
    message could not be sent now and the row waits for another try: its
    ``countdown`` is the task's own retry (seconds), or None when the row waits in
    the database for the sweep. ``last_try``: the task has no retry left, so the row
    waits in the database (or fails, past ``CANDOR_SEND_RETRY_HOURS``).
    ``settled``: outcomes an earlier run of this task could not write (see
    ``DeliveryInterrupted``), written first. Raises ``DeliveryInterrupted`` when the
    database fails after the message went out.
    """
    spec = delivery_kind(kind)
    model = spec.model_class
    if settled:
        rows_settle(spec, settled)
    row = model.objects.select_related(*spec.select_related).filter(takeable(), pk=pk).first()
    if row is None:
        return Outcome.SKIPPED
    # Every write below is conditional on the row being as we read it: if
    # another worker moved it meanwhile, we change nothing and send nothing.
    as_read = model.objects.filter(takeable(), pk=pk, attempts=row.attempts)
    attempt = row.attempts + 1
    try:
        prepared = _prepare(spec, row, spec.hook("skip"), spec.hook("builder"))
    except Exception as exc:
        logger.exception("delivery %s #%s: could not prepare the message", kind, pk)
        return row_fail_unsent(spec, as_read, row, attempt, _unprepared_reason(exc))
    if isinstance(prepared, str):
        with transaction.atomic():
            changed = as_read.update(status=DeliveryStatus.CANCELLED, claimed_until=None, last_error=prepared)
            if changed:
                row_audit(spec, row, "cancelled", prepared)
        return Outcome.CANCELLED if changed else Outcome.SKIPPED

    suppressed = suppressed_reasons(spec, [prepared])
    if suppressed:
        return row_fail_unsent(spec, as_read, row, attempt, suppressed[row.pk])

    taken_at = time.monotonic()
    if not rows_take(spec, [prepared]):
        return Outcome.SKIPPED
    with LeaseKeeper(spec, [row], taken_at=taken_at) as keeper, _handover_released():
        try:
            with keeper.sending():
                _send_one(prepared, spec)
        except OutcomeUnknownError as exc:
            logger.warning("delivery %s #%s: outcome unknown (%s)", kind, pk, exc.reason)
            try:
                with transaction.atomic():
                    rows_mark_unknown(spec, row, exc.reason)
            except DatabaseError as db_exc:
                raise DeliveryInterrupted([[pk, attempt, Outcome.UNKNOWN, exc.reason]], db_exc) from db_exc
            return Outcome.UNKNOWN
        except Exception as exc:
            permanent, reason = explain_failure(exc)
            logger.warning(
                "delivery %s #%s: try %d failed (%s, %s)",
                kind,
                pk,
                attempt,
                type(exc).__name__,
                "permanent" if permanent else "temporary",
            )
            if permanent:
                with transaction.atomic():
                    if rows_mine(model, [row]).update(
                        status=DeliveryStatus.FAILED, last_error=reason[:2000], **SETTLED
                    ):
                        row_audit(spec, row, "failed", reason)
                return Outcome.FAILED
            outcome, countdown, _wait = _wait_or_fail(spec, row, reason, quick=not last_try)
            if outcome == Outcome.WAITING:
                raise TemporaryDeliveryError(reason, countdown=countdown) from exc
            return outcome

        try:
            with transaction.atomic():
                rows_mark_sent(spec, [row])
        except DatabaseError as db_exc:
            raise DeliveryInterrupted([[pk, attempt, Outcome.SENT, ""]], db_exc) from db_exc
    return Outcome.SENT


# -- a chunk of rows -----------------------------------------------------------


def deliveries_send_chunk(*, kind: str, pks: list[int], settled: list | None = None) -> dict[int, str]:
    """Send many rows' emails, each once, over one SMTP session. Returns each id's ``Outcome``.

    The same guarantees as ``delivery_send``, row by row: a row is sent only if
    this call took it (due, not taken by another worker, attempts as read), so
    running the same chunk twice sends nothing the second time. Sent rows are
    marked sent every ``CANDOR_SEND_MARK_EVERY`` messages (1: after each, so a
    killed worker resends at most the one message it was sending).

    A 5xx for one recipient (or message) fails that row only; an unknown outcome
    (handed over, no answer) makes that row *unknown*; the chunk goes on after
    both. A temporary failure for one recipient or message puts that row back for
    a retry on ``delivery_send_task`` and the chunk goes on; a temporary failure of
    the server or connection stops the chunk: the rows sent so far are marked sent
    in the same transaction that hands the failed row and the untried ones back.
    The chunk also hands its untried rows back when it has run for
    ``CANDOR_SEND_CHUNK_SECONDS`` or cannot renew its lease.

    ``settled``: outcomes an earlier run could not write, written first. Raises
    ``DeliveryInterrupted`` (with the outcomes not yet written) when the database
    fails after messages went out.
    """
    spec = delivery_kind(kind)
    model = spec.model_class
    if settled:
        rows_settle(spec, settled)
    outcomes = dict.fromkeys(pks, Outcome.SKIPPED)
    rows = list(
        model.objects.select_related(*spec.select_related).filter(takeable(), pk__in=list(pks)).order_by("pk")
    )
    skip = spec.hook("skip")
    builder = spec.hook("builder")
    prepare = spec.hook("prepare")
    to_build = [row for row in rows if not (spec.keep_bodies and row.sent_raw)]
    if prepare and to_build:
        prepare(to_build)

    ready = []
    for row in rows:
        try:
            prepared = _prepare(spec, row, skip, builder)
        except Exception as exc:
            logger.exception("delivery %s #%s: could not prepare the message", kind, row.pk)
            as_read = model.objects.filter(takeable(), pk=row.pk, attempts=row.attempts)
            outcomes[row.pk] = row_fail_unsent(spec, as_read, row, row.attempts + 1, _unprepared_reason(exc))
            continue
        if isinstance(prepared, str):
            as_read = model.objects.filter(takeable(), pk=row.pk, attempts=row.attempts)
            with transaction.atomic():
                if as_read.update(status=DeliveryStatus.CANCELLED, claimed_until=None, last_error=prepared):
                    row_audit(spec, row, "cancelled", prepared)
                    outcomes[row.pk] = Outcome.CANCELLED
            continue
        ready.append(prepared)

    suppressed = suppressed_reasons(spec, ready)
    if suppressed:
        for item in [item for item in ready if item.row.pk in suppressed]:
            row = item.row
            as_read = model.objects.filter(takeable(), pk=row.pk, attempts=row.attempts)
            outcomes[row.pk] = row_fail_unsent(spec, as_read, row, row.attempts + 1, suppressed[row.pk])
        ready = [item for item in ready if item.row.pk not in suppressed]

    taken_at = time.monotonic()
    taken = rows_take(spec, ready)
    if not taken:
        return outcomes
    with LeaseKeeper(spec, [item.row for item in taken], taken_at=taken_at) as keeper:
        _send_taken(spec, taken, keeper, outcomes, stop_at=taken_at + chunk_budget_seconds())
    return outcomes


@contextlib.contextmanager
def _handover_released():
    """Whatever happens inside, this process gives the hand-over gate back on the way out."""
    try:
        yield
    finally:
        handover.leave()


def _send_taken(spec: DeliveryKind, taken: list, keeper: LeaseKeeper, outcomes: dict, stop_at: float) -> None:
    """Send the taken rows of a chunk in order; settle each; hand back what is left when it must stop.

    The hand-over gate (``outbox.handover``) taken as a message is handed over is given back
    each time the handed-over rows are marked, so a worker killed at any instant has at most
    ``CANDOR_SEND_MARK_EVERY`` messages handed over and not marked, whatever its concurrency.
    """
    with _handover_released():
        _send_taken_gated(spec, taken, keeper, outcomes, stop_at)


def _send_taken_gated(
    spec: DeliveryKind, taken: list, keeper: LeaseKeeper, outcomes: dict, stop_at: float
) -> None:
    kind = spec.name
    mark_every = max(1, int(settings.CANDOR_SEND_MARK_EVERY))
    sent: list = []  # sent, not yet marked
    retry: list = []  # (row, reason): temporary failure of one message
    pending_unknown: list = []  # [pk, attempts, outcome, reason] not yet written
    tried: set[int] = set()
    try:
        for index, item in enumerate(taken):
            row = item.row
            if time.monotonic() >= stop_at or not keeper.fresh_enough():
                logger.warning(
                    "delivery %s: chunk out of time or lease; %d rows handed back", kind, len(taken) - index
                )
                _chunk_stop(spec, sent, retry, [i.row for i in taken[index:]])
                return
            tried.add(row.pk)
            try:
                with keeper.sending():
                    _send_one(item, spec)
            except OutcomeUnknownError as exc:
                logger.warning("delivery %s #%s: outcome unknown (%s)", kind, row.pk, exc.reason)
                pending_unknown.append([row.pk, row.attempts, Outcome.UNKNOWN, exc.reason])
                with transaction.atomic():
                    rows_mark_sent(spec, sent)
                    rows_mark_unknown(spec, row, exc.reason)
                sent, pending_unknown = [], []
                handover.leave()
                outcomes[row.pk] = Outcome.UNKNOWN
                continue
            except Exception as exc:
                permanent, reason = explain_failure(exc)
                logger.warning(
                    "delivery %s #%s: try %d failed (%s, %s)",
                    kind,
                    row.pk,
                    row.attempts,
                    type(exc).__name__,
                    "permanent" if permanent else "temporary",
                )
                if permanent:
                    with transaction.atomic():
                        rows_mark_sent(spec, sent)
                        if rows_mine(spec.model_class, [row]).update(
                            status=DeliveryStatus.FAILED, last_error=reason[:2000], **SETTLED
                        ):
                            row_audit(spec, row, "failed", reason)
                    sent = []
                    handover.leave()
                    outcomes[row.pk] = Outcome.FAILED
                    continue
                retry.append((row, reason))
                outcomes[row.pk] = Outcome.SKIPPED
                if failure_concerns_one_message(exc):
                    continue
                _chunk_stop(spec, sent, retry, [i.row for i in taken[index + 1 :]], outcomes)
                return
            sent.append(row)
            outcomes[row.pk] = Outcome.SENT
            if len(sent) >= mark_every:
                with transaction.atomic():
                    rows_mark_sent(spec, sent)
                sent = []
                handover.leave()
        _chunk_stop(spec, sent, retry, [], outcomes)
    except DatabaseError as exc:
        # The messages in `sent` went out: the retry of this task writes them first. The
        # rows not tried are given back at once rather than when their lease runs out.
        unwritten = [[row.pk, row.attempts, Outcome.SENT, ""] for row in sent] + pending_unknown
        unwritten += [[i.row.pk, i.row.attempts, UNTRIED, ""] for i in taken if i.row.pk not in tried]
        raise DeliveryInterrupted(unwritten, exc) from exc


def _chunk_stop(
    spec: DeliveryKind, sent: list, retry: list, untried: list, outcomes: dict | None = None
) -> None:
    """In one transaction: mark the sent rows sent, make failed rows wait (or fail), give untried rows back.

    The untried rows wait as long as the failed ones: for the task's own retry
    (after commit, the failed rows are queued on ``delivery_send_task`` and the
    untried ones as one new chunk, with that back-off), or, when the failed rows
    wait in the database (the server has been failing for a while), claimed for
    the same wait, with no broker message: the recovery sweep queues them then.
    A chunk that stopped for time or lease gives its rows back for a prompt retry.
    """
    if not (sent or retry or untried):
        return
    model = spec.model_class
    quick: list[tuple[int, float]] = []
    waits: list[float] = []
    with transaction.atomic():
        rows_mark_sent(spec, sent)
        for row, reason in retry:
            outcome, countdown, wait = _wait_or_fail(spec, row, reason, quick=True)
            if outcome == Outcome.FAILED and outcomes is not None:
                outcomes[row.pk] = Outcome.FAILED
            if outcome == Outcome.WAITING:
                if countdown is not None:
                    quick.append((row.pk, countdown))
                else:
                    waits.append(wait)
        lease = float(settings.CANDOR_SEND_LEASE_SECONDS)
        if quick or not waits:
            untried_countdown = max((countdown for _pk, countdown in quick), default=_backoff(1))
            hold, publish_untried = untried_countdown + lease, bool(untried)
        else:
            untried_countdown, hold, publish_untried = 0.0, max(waits), False
        if untried:
            # Not tried: the attempt taken for them is given back.
            rows_mine(model, untried).update(
                status=DeliveryStatus.SCHEDULED,
                claimed_until=db_time_in(hold),
                attempts=models.F("attempts") - 1,
            )
    if quick or publish_untried:
        queued = [row.pk for row in untried] if publish_untried else []
        transaction.on_commit(partial(_queue_retries, spec.name, quick, queued, untried_countdown))


def _queue_retries(
    kind: str, failed: list[tuple[int, float]], untried: list[int], untried_countdown: float
) -> None:
    """Queue the retries of a chunk: each failed row on the single-row task, the untried rows as a chunk.

    Every countdown is at most 300 s. If the broker cannot take them, the rows' claims
    run out a lease after the countdown and the recovery sweep queues them again.
    """
    try:
        for pk, countdown in failed:
            current_app.tasks[SEND_TASK].apply_async(
                (kind, pk), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        if untried:
            current_app.tasks[SEND_CHUNK_TASK].apply_async(
                (kind, untried), countdown=untried_countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
    except Exception as exc:  # the claims run out and the sweep queues them again
        logger.warning("delivery %s: could not queue retries (%s)", kind, type(exc).__name__)


# -- HR's retry ----------------------------------------------------------------


def delivery_retry(
    *, kind: str, pk: int, send_after: datetime | None = None, resend_unknown: bool = False
) -> str:
    """Put a failed (or, confirmed, an unknown) row back in the queue with a fresh count of tries.

    HR's "retry" and "send again" buttons. A *failed* row never reached the
    server, so it is built again at its next try (the candidate's address may have
    been corrected). An *unknown* row may have arrived: only with
    ``resend_unknown=True`` (HR confirmed it did not) is it sent again, with the
    very same bytes and Message-ID, so a receiver that has it can tell.
    Callers (e.g. ``letter_retry``) check permissions and write their audit record.
    Returns the status the row had. Raises ``DeliveryStateError`` otherwise.
    """
    model = delivery_kind(kind).model_class
    statuses = [DeliveryStatus.FAILED] + ([DeliveryStatus.UNKNOWN] if resend_unknown else [])
    previous = model.objects.filter(pk=pk).values_list("status", flat=True).first()
    reset = {
        "status": DeliveryStatus.SCHEDULED,
        "send_after": send_after or timezone.now(),
        "claimed_until": None,
        "attempts": 0,
        "last_error": "",
        "failing_since": None,
    }
    if previous == DeliveryStatus.FAILED:
        reset.update(sent_raw=None, sent_envelope=None)
    changed = model.objects.filter(pk=pk, status__in=statuses, status=previous).update(**reset)
    if not changed:
        if previous == DeliveryStatus.UNKNOWN:
            raise DeliveryStateError(
                "This message may already have been received: "
                "confirm that it was not before sending it again."
            )
        raise DeliveryStateError(
            "Only a message that failed, or whose delivery is unknown, can be sent again."
        )
    return previous
