"""The one engine that sends everything Candor emails to candidates, exactly once.

Letters, reapply reminders and answers to requests are rows (``Deliverable``)
with a due time. Design (docs/sending.md has the why):

- ``deliveries_claim_due`` (the beat sweep) locks due rows with
  ``select_for_update(skip_locked=True)``, leases them (``claimed_until``) and,
  after commit, queues one ``delivery_send_chunk_task`` per chunk of
  ``CANDOR_SEND_CHUNK`` ids (a chunk of one id goes to ``delivery_send_task``). Rows stuck in
  *sending* whose lease ran out (a worker died mid-send) go back to scheduled
  and are queued again.
- ``delivery_send`` builds the message, then takes the row with a conditional
  update (scheduled → sending, storing the exact subject and bodies), sends it
  over SMTP and moves it sending → sent. A second run of the same task finds the
  row taken or sent and does nothing. The Message-ID is stored on the row, so a
  resend after a crash carries the same Message-ID.
- ``deliveries_send_chunk`` does the same for many rows at once: one query
  loads them, one locked read and one bulk update take them (only rows still as
  read are taken, so a duplicate or redelivered chunk sends nothing), one SMTP
  connection carries them, and they are marked sent in bulk (every
  ``CANDOR_SEND_MARK_EVERY`` messages).
- A temporary SMTP failure puts the row back to *scheduled* with a claim longer
  than Celery's longest back-off, so the sweep leaves it to the task's retry;
  the last try, or a permanent refusal (5xx for the recipient), marks it
  *failed* with a reason HR can read.
"""

from __future__ import annotations

import logging
import os
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from core.audit import audit_record
from core.models import AuditEvent
from outbox.models import DeliveryStatus

logger = logging.getLogger(__name__)

# Celery's longest retry back-off (seconds). Nothing waits longer in the broker.
RETRY_BACKOFF_MAX = 300
# An SMTP connection idle longer than this is closed rather than reused:
# servers drop idle clients, and a fresh connection costs little.
SMTP_IDLE_SECONDS = 30
# Publishing to a broker that is down gives up quickly: the rows stay due.
# The tasks (outbox/tasks.py), looked up by name in the Celery app: services never import tasks.
SEND_TASK = "outbox.tasks.delivery_send_task"
SEND_CHUNK_TASK = "outbox.tasks.delivery_send_chunk_task"
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


class DeliveryError(Exception):
    """Base of the engine's errors."""


class TemporaryDeliveryError(DeliveryError):
    """The mail server could not take the message now; the task retries with back-off."""


class DeliveryStateError(DeliveryError):
    """The row is not in a state that allows this action."""


class NoRecipientError(DeliveryError):
    """The message has nobody to go to (a permanent failure)."""


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"  # not due, already taken, or already done: nothing to do
    CANCELLED = "cancelled"  # a skip hook said the message must not go
    FAILED = "failed"


@dataclass(frozen=True)
class DeliveryKind:
    """One kind of email: its model, its message builder and its skip hook (dotted paths)."""

    name: str
    model: str
    builder: str
    skip: str | None = None
    select_related: tuple[str, ...] = ()
    # Optional ``prepare(rows)`` run once per chunk before building: loads what the
    # builder would otherwise read row by row (no N+1 in a chunk).
    prepare: str | None = None
    # Audit verbs "<prefix>.sent", "<prefix>.failed", "<prefix>.cancelled"; None: no audit.
    audit_prefix: str | None = None

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


# Filled by each app's AppConfig.ready() through ``register_kind``: the engine names no app.
KINDS: dict[str, DeliveryKind] = {}


def register_kind(kind: DeliveryKind) -> None:
    """Register one kind of email with the engine (call from ``AppConfig.ready()``).

    Registering the same name again replaces the earlier entry (tests and
    reloads). Raises ``ValueError`` for a kind without a name, model or builder.
    """
    if not (kind.name and kind.model and kind.builder):
        raise ValueError("A delivery kind needs a name, a model and a builder.")
    KINDS[kind.name] = kind


def delivery_kind(kind: str) -> DeliveryKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise DeliveryError(f"Unknown kind of delivery: {kind!r}") from None


# -- Message-ID -------------------------------------------------------------


def mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "candor.invalid"


def delivery_message_id(kind: str, row) -> str:
    """A Message-ID that names the row, never a person, and is the same on every try."""
    public_id = getattr(row, "public_id", None)
    token = (
        str(public_id)
        if public_id
        else salted_hmac("candor.delivery.message-id", f"{kind}:{row.pk}").hexdigest()[:24]
    )
    return f"<{kind}.{token}@{mail_domain()}>"


# -- the sweep --------------------------------------------------------------


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.CANDOR_SEND_LEASE_SECONDS)


def deliveries_due_queryset(model: type[models.Model], now: datetime) -> models.QuerySet:
    """Scheduled rows whose time has come and that nobody holds (reads the partial *_due_idx index)."""
    return (
        model.objects.filter(status=DeliveryStatus.SCHEDULED, send_after__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("send_after")
    )


def deliveries_stuck_queryset(model: type[models.Model], now: datetime) -> models.QuerySet:
    """Rows left in *sending* by a worker that died: their lease has run out."""
    return model.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).order_by(
        "claimed_until"
    )


def deliveries_claim_due(*, kind: str, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Lease up to ``limit`` due rows and, after commit, queue one send task per row. Returns their ids.

    Safe to run concurrently (rows locked by another sweeper are skipped) and
    inside a caller's transaction (nothing is queued if it rolls back).
    """
    model = delivery_kind(kind).model_class
    now = now or timezone.now()
    lease_until = _lease_until(now)
    with transaction.atomic():
        ids = list(
            deliveries_due_queryset(model, now)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            model.objects.filter(pk__in=ids).update(claimed_until=lease_until)
        room = limit - len(ids)
        if room > 0:
            stuck = list(
                deliveries_stuck_queryset(model, now)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:room]
            )
            if stuck:
                logger.warning("delivery %s: %d rows whose sender died are queued again", kind, len(stuck))
                model.objects.filter(pk__in=stuck, status=DeliveryStatus.SENDING).update(
                    status=DeliveryStatus.SCHEDULED, claimed_until=lease_until
                )
                ids += stuck
        if ids:
            transaction.on_commit(partial(_publish, kind, ids), robust=True)
    return ids


def deliveries_sweep(
    *, kind: str, now: datetime | None = None, batch: int = 500, max_batches: int = 40
) -> int:
    """Claim due rows batch after batch (each its own transaction) until none are left."""
    total = 0
    for _ in range(max_batches):
        ids = deliveries_claim_due(kind=kind, now=now, limit=batch)
        total += len(ids)
        if len(ids) < batch:
            break
    return total


def _chunks(ids: list[int]) -> list[list[int]]:
    size = max(1, int(settings.CANDOR_SEND_CHUNK))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _publish(kind: str, ids: list[int]) -> None:
    """Queue one send task per chunk of ids. If the broker is down, release the claims for the next sweep.

    A chunk of one id goes to ``delivery_send_task``, the single-row path.
    """
    app = current_app
    queued = 0
    try:
        with app.producer_or_acquire() as producer:
            for chunk in _chunks(ids):
                if len(chunk) == 1:
                    name, args = SEND_TASK, (kind, chunk[0])
                else:
                    name, args = SEND_CHUNK_TASK, (kind, chunk)
                app.tasks[name].apply_async(
                    args, producer=producer, retry=True, retry_policy=PUBLISH_RETRY_POLICY
                )
                queued += len(chunk)
    except Exception as exc:  # kombu raises OperationalError and friends; all mean "not queued"
        rest = ids[queued:]
        logger.warning(
            "delivery %s: the broker is unavailable (%s); %d of %d not queued, released for the next sweep",
            kind,
            type(exc).__name__,
            len(rest),
            len(ids),
        )
        delivery_kind(kind).model_class.objects.filter(pk__in=rest, status=DeliveryStatus.SCHEDULED).update(
            claimed_until=None
        )


# -- sending ----------------------------------------------------------------


def _takeable(now: datetime) -> Q:
    return Q(status=DeliveryStatus.SCHEDULED, send_after__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )


def _html_part(msg: EmailMessage) -> str:
    for content, mimetype in getattr(msg, "alternatives", []) or []:
        if mimetype == "text/html":
            return content
    return ""


def _audit(spec: DeliveryKind, row, verb: str, reason: str = "") -> None:
    if spec.audit_prefix:
        audit_record(actor=None, verb=f"{spec.audit_prefix}.{verb}", target=row, reason=reason)


def delivery_send(*, kind: str, pk: int, last_try: bool = False) -> str:
    """Send one row's email if it is due and nobody else is sending it. Returns an ``Outcome``.

    Raises ``TemporaryDeliveryError`` when the mail server could not take the
    message and tries remain (the Celery task retries with back-off).
    """
    spec = delivery_kind(kind)
    model = spec.model_class
    now = timezone.now()
    row = model.objects.select_related(*spec.select_related).filter(_takeable(now), pk=pk).first()
    if row is None:
        return Outcome.SKIPPED
    # Every write below is conditional on the row being as we read it: if
    # another worker moved it meanwhile, we change nothing and send nothing.
    as_read = model.objects.filter(_takeable(now), pk=pk, attempts=row.attempts)
    attempt = row.attempts + 1

    try:
        reason = import_string(spec.skip)(row) if spec.skip else ""
        if not reason:
            row.message_id = row.message_id or delivery_message_id(kind, row)
            msg = import_string(spec.builder)(row)
    except Exception as exc:
        logger.exception("delivery %s #%s: could not prepare the message", kind, pk)
        return _fail_unsent(
            spec, as_read, row, attempt, f"Could not prepare the message ({type(exc).__name__}: {exc})."
        )
    if reason:
        with transaction.atomic():
            changed = as_read.update(status=DeliveryStatus.CANCELLED, claimed_until=None, last_error=reason)
            if changed:
                _audit(spec, row, "cancelled", reason)
        return Outcome.CANCELLED if changed else Outcome.SKIPPED

    _force_message_id(msg, row.message_id)

    taken = as_read.update(
        status=DeliveryStatus.SENDING,
        claimed_until=_lease_until(now),
        attempts=attempt,
        message_id=row.message_id,
        sent_subject=str(msg.subject)[:300],
        sent_text=str(msg.body),
        sent_html=_html_part(msg),
    )
    if not taken:
        return Outcome.SKIPPED
    mine = model.objects.filter(pk=pk, status=DeliveryStatus.SENDING, attempts=attempt)

    try:
        _transmit(msg)
    except Exception as exc:
        permanent, reason = _explain(exc)
        logger.warning(
            "delivery %s #%s: try %d failed (%s, %s)",
            kind,
            pk,
            attempt,
            type(exc).__name__,
            "permanent" if permanent else "temporary",
        )
        if permanent or last_try or attempt > settings.CANDOR_SEND_MAX_RETRIES:
            if not permanent:
                reason = f"{reason} Gave up after {attempt} tries."
            with transaction.atomic():
                if mine.update(status=DeliveryStatus.FAILED, claimed_until=None, last_error=reason):
                    _audit(spec, row, "failed", reason)
            return Outcome.FAILED
        # Wait for the task's retry; the claim keeps the sweep away meanwhile.
        mine.update(
            status=DeliveryStatus.SCHEDULED,
            claimed_until=_retry_hold_until(),
            last_error=f"Try {attempt} failed, trying again: {reason}",
        )
        raise TemporaryDeliveryError(reason) from exc

    with transaction.atomic():
        done = mine.update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
        )
        if done:
            _audit(spec, row, "sent")
    if not done:
        # Our lease ran out mid-send and another worker took the row over: it
        # sends the same message again, with the same Message-ID.
        logger.warning("delivery %s #%s: sent, but the lease had been taken over", kind, pk)
    return Outcome.SENT


def _force_message_id(msg: EmailMessage, message_id: str) -> None:
    """The stored Message-ID is the one that goes out, whatever the builder set."""
    for header in [h for h in msg.extra_headers if h.lower() == "message-id"]:
        del msg.extra_headers[header]
    msg.extra_headers["Message-ID"] = message_id


def _retry_hold_until() -> datetime:
    """A claim that outlasts Celery's longest back-off: the sweep leaves the row to its retry."""
    hold = max(settings.CANDOR_SEND_LEASE_SECONDS, RETRY_BACKOFF_MAX + 60)
    return timezone.now() + timedelta(seconds=hold)


def _fail_unsent(spec: DeliveryKind, as_read: models.QuerySet, row, attempt: int, reason: str) -> str:
    with transaction.atomic():
        changed = as_read.update(
            status=DeliveryStatus.FAILED, attempts=attempt, claimed_until=None, last_error=reason[:2000]
        )
        if changed:
            _audit(spec, row, "failed", reason)
    return Outcome.FAILED if changed else Outcome.SKIPPED


# -- sending a chunk ----------------------------------------------------------


def _concerns_one_message(exc: Exception) -> bool:
    """The failure is this message's (its recipient or its data): the rest of the chunk goes on.

    Anything else (refused, timed out, dropped, 421 "closing") stops the chunk:
    the rows not tried yet wait for a retry together with the failed one.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused | NoRecipientError):
        return True
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code != 421


_SENDING_FIELDS = [
    "status",
    "claimed_until",
    "attempts",
    "message_id",
    "sent_subject",
    "sent_text",
    "sent_html",
]


def _audit_many(spec: DeliveryKind, model: type[models.Model], pks: list[int], verb: str) -> None:
    if spec.audit_prefix and pks:
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=None,
                    verb=f"{spec.audit_prefix}.{verb}",
                    target_type=model._meta.label_lower,
                    target_id=pk,
                )
                for pk in pks
            ]
        )


def _mine(model: type[models.Model], rows: list) -> models.QuerySet:
    """The rows as this worker took them: still *sending*, with the attempt count it set."""
    if len(rows) == 1:
        return model.objects.filter(pk=rows[0].pk, attempts=rows[0].attempts, status=DeliveryStatus.SENDING)
    by_attempt: dict[int, list[int]] = {}
    for row in rows:
        by_attempt.setdefault(row.attempts, []).append(row.pk)
    condition = Q(pk__in=[])
    for attempts, pks in by_attempt.items():
        condition |= Q(pk__in=pks, attempts=attempts)
    return model.objects.filter(condition, status=DeliveryStatus.SENDING)


def _mark_sent(spec: DeliveryKind, rows: list) -> None:
    """Move rows this worker sent from *sending* to *sent* in one UPDATE, with their audit rows.

    Call inside a transaction. A row whose lease ran out mid-send and was taken
    over is left to the worker that took it (it sends the same Message-ID).
    """
    if not rows:
        return
    model = spec.model_class
    if len(rows) == 1 and connections[router.db_for_write(model)].vendor == "postgresql":
        if not _mark_one_sent_sql(spec, rows[0]):
            logger.warning("delivery %s: 1 sent, but its lease had been taken over", spec.name)
        return
    mine = _mine(model, rows)
    if len(rows) == 1:
        done = (
            [rows[0].pk]
            if mine.update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
            )
            else []
        )
    else:
        done = list(mine.select_for_update().values_list("pk", flat=True))
        model.objects.filter(pk__in=done).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
        )
    if len(done) < len(rows):
        logger.warning(
            "delivery %s: %d sent, but their lease had been taken over", spec.name, len(rows) - len(done)
        )
    _audit_many(spec, model, done, "sent")


def _mark_one_sent_sql(spec: DeliveryKind, row) -> bool:
    """PostgreSQL: mark one row sent and write its audit row in ONE statement (no ORM, no BEGIN/COMMIT).

    Marking after every message keeps the resends a killed worker can cause to
    the one message it was sending; this makes that cost one round trip.
    """
    model = spec.model_class
    db = connections[router.db_for_write(model)]
    qn = db.ops.quote_name
    meta = model._meta
    update = (
        f"UPDATE {qn(meta.db_table)} SET {qn('status')} = %s, {qn('sent_at')} = %s, "  # nosec B608
        f"{qn('claimed_until')} = NULL, {qn('last_error')} = '' "
        f"WHERE {qn(meta.pk.column)} = %s AND {qn('status')} = %s AND {qn('attempts')} = %s "
        f"RETURNING {qn(meta.pk.column)}"
    )
    now = timezone.now()
    params = [DeliveryStatus.SENT, now, row.pk, DeliveryStatus.SENDING, row.attempts]
    if spec.audit_prefix:
        audit = AuditEvent._meta
        sql = (
            f"WITH done AS ({update}) INSERT INTO {qn(audit.db_table)} "  # nosec B608
            f"({qn('actor_id')}, {qn('verb')}, {qn('target_type')}, {qn('target_id')}, "
            f"{qn('reason')}, {qn('data')}, {qn('created_at')}) "
            f"SELECT NULL, %s, %s, {qn(meta.pk.column)}, '', '{{}}'::jsonb, %s FROM done "
            f"RETURNING {qn('target_id')}"
        )
        params += [f"{spec.audit_prefix}.sent", meta.label_lower, now]
    else:
        sql = update
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _take_chunk(spec: DeliveryKind, ready: list, now: datetime) -> list:
    """Take the built rows that are still as read: (row, msg) pairs now *sending* and ours.

    One locked read and one bulk update in one transaction. A row another
    worker took, sent or cancelled meanwhile (its state or attempt count
    changed), or holds locked right now, is left out: it is not sent here.
    """
    if not ready:
        return []
    model = spec.model_class
    as_read = {row.pk: row.attempts for row, _msg in ready}
    with transaction.atomic():
        current = dict(
            model.objects.filter(_takeable(now), pk__in=list(as_read))
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")
        )
        taken = [(row, msg) for row, msg in ready if current.get(row.pk, -1) == as_read[row.pk]]
        lease_until = _lease_until(timezone.now())
        for row, msg in taken:
            row.status = DeliveryStatus.SENDING
            row.claimed_until = lease_until
            row.attempts = as_read[row.pk] + 1
            row.sent_subject = str(msg.subject)[:300]
            row.sent_text = str(msg.body)
            row.sent_html = _html_part(msg)
        _store_sending([row for row, _msg in taken])
    return taken


def _store_sending(rows: list) -> None:
    """Write each taken row's state and exact content: one statement run for many rows (executemany).

    ``bulk_update`` builds a CASE per field and row, which costs more Python time
    than sending the chunk; executemany sends the same UPDATE with each row's values.
    """
    if not rows:
        return
    model = type(rows[0])
    meta = model._meta
    db = connections[router.db_for_write(model)]
    qn = db.ops.quote_name
    fields = [meta.get_field(name) for name in _SENDING_FIELDS]
    assignments = ", ".join(f"{qn(field.column)} = %s" for field in fields)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # nosec B608
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection=db) for field in fields] + [row.pk]
        for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)


def _backoff(attempt: int) -> int:
    """Celery's own back-off for the retry after ``attempt`` tries (exponential, jittered, capped)."""
    from celery.utils.time import get_exponential_backoff_interval

    return get_exponential_backoff_interval(
        factor=1, retries=max(0, attempt - 1), maximum=RETRY_BACKOFF_MAX, full_jitter=True
    )


def _queue_retries(kind: str, failed: list[tuple[int, int]], untried: list[int]) -> None:
    """Queue the retries of a chunk: each failed row on the single-row task, the untried rows as a chunk.

    If the broker cannot take them, the rows keep their long claim and the
    sweep queues them when it runs out.
    """
    try:
        for pk, attempt in failed:
            current_app.tasks[SEND_TASK].apply_async(
                (kind, pk), countdown=_backoff(attempt), retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        if untried:
            countdown = _backoff(max((attempt for _pk, attempt in failed), default=1))
            current_app.tasks[SEND_CHUNK_TASK].apply_async(
                (kind, untried), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
    except Exception as exc:  # the claims run out and the sweep queues them again
        logger.warning("delivery %s: could not queue retries (%s)", kind, type(exc).__name__)


def deliveries_send_chunk(*, kind: str, pks: list[int]) -> dict[int, str]:
    """Send many rows' emails, each once, over one SMTP connection. Returns each id's ``Outcome``.

    The same guarantees as ``delivery_send``, row by row: a row is sent only if
    this call took it (due, not taken by another worker, attempts as read), so
    running the same chunk twice sends nothing the second time. Sent rows are
    marked sent in bulk every ``CANDOR_SEND_MARK_EVERY`` messages (1: after each,
    so a killed worker resends at most the one message it was sending).

    A 5xx for one recipient (or message) fails that row only. A temporary
    failure for one recipient or message puts that row back for a retry on
    ``delivery_send_task`` (as ``delivery_send`` does) and the chunk goes on; a
    temporary failure of the server or connection stops the chunk: the rows
    sent so far are marked sent in the same transaction that hands the failed
    row and the untried ones back for a retry with back-off.
    """
    spec = delivery_kind(kind)
    model = spec.model_class
    now = timezone.now()
    outcomes = dict.fromkeys(pks, Outcome.SKIPPED)
    rows = list(
        model.objects.select_related(*spec.select_related)
        .filter(_takeable(now), pk__in=list(pks))
        .order_by("pk")
    )
    skip = import_string(spec.skip) if spec.skip else None
    builder = import_string(spec.builder)
    if spec.prepare and rows:
        import_string(spec.prepare)(rows)

    ready = []
    for row in rows:
        try:
            reason = skip(row) if skip else ""
            if not reason:
                row.message_id = row.message_id or delivery_message_id(kind, row)
                msg = builder(row)
        except Exception as exc:
            logger.exception("delivery %s #%s: could not prepare the message", kind, row.pk)
            as_read = model.objects.filter(_takeable(now), pk=row.pk, attempts=row.attempts)
            outcomes[row.pk] = _fail_unsent(
                spec,
                as_read,
                row,
                row.attempts + 1,
                f"Could not prepare the message ({type(exc).__name__}: {exc}).",
            )
            continue
        if reason:
            as_read = model.objects.filter(_takeable(now), pk=row.pk, attempts=row.attempts)
            with transaction.atomic():
                if as_read.update(status=DeliveryStatus.CANCELLED, claimed_until=None, last_error=reason):
                    _audit(spec, row, "cancelled", reason)
                    outcomes[row.pk] = Outcome.CANCELLED
            continue
        _force_message_id(msg, row.message_id)
        ready.append((row, msg))

    taken = _take_chunk(spec, ready, now)
    mark_every = max(1, int(settings.CANDOR_SEND_MARK_EVERY))
    sent: list = []  # sent, not yet marked
    retry: list = []  # (row, reason): temporary failure of one message, tries remain
    # Stop before the lease could run out mid-send: after it, the sweep may hand
    # the rows still waiting here to another worker.
    lease = settings.CANDOR_SEND_LEASE_SECONDS
    stop_at = time.monotonic() + lease - min(lease / 2, 3 * float(settings.EMAIL_TIMEOUT or 10))
    for index, (row, msg) in enumerate(taken):
        if time.monotonic() >= stop_at:
            logger.warning(
                "delivery %s: chunk too slow for its lease; %d rows handed back", kind, len(taken) - index
            )
            _chunk_stop(spec, sent, retry, [r for r, _m in taken[index:]])
            return outcomes
        try:
            _transmit(msg)
        except Exception as exc:
            permanent, reason = _explain(exc)
            logger.warning(
                "delivery %s #%s: try %d failed (%s, %s)",
                kind,
                row.pk,
                row.attempts,
                type(exc).__name__,
                "permanent" if permanent else "temporary",
            )
            last_try = row.attempts > settings.CANDOR_SEND_MAX_RETRIES
            if permanent or last_try:
                if not permanent:
                    reason = f"{reason} Gave up after {row.attempts} tries."
                with transaction.atomic():
                    _mark_sent(spec, sent)
                    if _mine(model, [row]).update(
                        status=DeliveryStatus.FAILED, claimed_until=None, last_error=reason[:2000]
                    ):
                        _audit(spec, row, "failed", reason)
                sent = []
                outcomes[row.pk] = Outcome.FAILED
            else:
                retry.append((row, reason))
                outcomes[row.pk] = Outcome.SKIPPED
            if permanent or _concerns_one_message(exc):
                continue
            _chunk_stop(spec, sent, retry, [r for r, _m in taken[index + 1 :]])
            return outcomes
        sent.append(row)
        outcomes[row.pk] = Outcome.SENT
        if len(sent) >= mark_every:
            with transaction.atomic():
                _mark_sent(spec, sent)
            sent = []
    _chunk_stop(spec, sent, retry, [])
    return outcomes


def _chunk_stop(spec: DeliveryKind, sent: list, retry: list, untried: list) -> None:
    """In one transaction: mark the sent rows sent, hand failed and untried rows back for a retry."""
    if not (sent or retry or untried):
        return
    model = spec.model_class
    with transaction.atomic():
        _mark_sent(spec, sent)
        hold_until = _retry_hold_until()
        for row, reason in retry:
            _mine(model, [row]).update(
                status=DeliveryStatus.SCHEDULED,
                claimed_until=hold_until,
                last_error=f"Try {row.attempts} failed, trying again: {reason}"[:2000],
            )
        if untried:
            # Not tried: the attempt taken for them is given back.
            _mine(model, untried).update(
                status=DeliveryStatus.SCHEDULED, claimed_until=hold_until, attempts=models.F("attempts") - 1
            )
    if retry or untried:
        failed = [(row.pk, row.attempts) for row, _reason in retry]
        transaction.on_commit(partial(_queue_retries, spec.name, failed, [row.pk for row in untried]))


def delivery_retry(*, kind: str, pk: int, send_after: datetime | None = None) -> None:
    """Put a failed row back in the queue with a fresh count of tries (HR's "retry" button).

    Callers (e.g. ``letter_retry``) check permissions and write their audit record.
    """
    model = delivery_kind(kind).model_class
    changed = model.objects.filter(pk=pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.SCHEDULED,
        send_after=send_after or timezone.now(),
        claimed_until=None,
        attempts=0,
        last_error="",
    )
    if not changed:
        raise DeliveryStateError("Only a message that failed can be retried.")


# -- SMTP -------------------------------------------------------------------


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _timed_out(exc: BaseException) -> bool:
    # smtplib reports a read timeout mid-session as SMTPServerDisconnected.
    return isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError)


def _explain(exc: Exception) -> tuple[bool, str]:
    """(permanent?, a reason HR can read) for an exception raised while sending."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        detail = "; ".join(f"{code} {_decode(text)}" for code, text in answers)
        if answers and all(code >= 500 for code, _ in answers):
            return True, f"The mail server refused the recipient's address ({detail})."
        return False, f"The mail server did not accept the recipient for now ({detail})."
    if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
        return True, f"The mail server refused the message ({exc.smtp_code} {_decode(exc.smtp_error)})."
    if isinstance(exc, smtplib.SMTPResponseException):
        return False, f"The mail server answered {exc.smtp_code} {_decode(exc.smtp_error)}."
    if isinstance(exc, TimeoutError) or _timed_out(exc):
        return False, f"The mail server did not answer within {settings.EMAIL_TIMEOUT} seconds."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return False, "The mail server closed the connection."
    if isinstance(exc, ConnectionRefusedError):
        return False, "Could not connect to the mail server: the connection was refused."
    if isinstance(exc, smtplib.SMTPException):
        return False, f"Sending failed: {exc}."
    if isinstance(exc, OSError):
        return False, f"Could not reach the mail server ({exc.strerror or exc})."
    if isinstance(exc, NoRecipientError):
        return True, str(exc)
    # A message Django cannot serialise (e.g. a header with a line break) never will be.
    return True, f"The message could not be sent ({type(exc).__name__}: {exc})."


class _Cached:
    def __init__(self, connection, key):
        self.connection = connection
        self.key = key
        self.last_used = time.monotonic()


_local = threading.local()


def _connection_key() -> tuple:
    return (
        os.getpid(),
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
        settings.EMAIL_TIMEOUT,
    )


def _mail_connection():
    """This process's (and thread's) open connection to the mail server, and whether it is reused.

    One SMTP session carries many messages: a worker does not pay a TCP and
    EHLO round trip per letter. A connection inherited across fork(), made with
    other settings, or idle too long is replaced.
    """
    key = _connection_key()
    cached = getattr(_local, "cached", None)
    if cached is not None:
        if cached.key == key and time.monotonic() - cached.last_used < SMTP_IDLE_SECONDS:
            return cached.connection, True
        delivery_connections_close()
    connection = get_connection(fail_silently=False)
    connection.open()
    _local.cached = _Cached(connection, key)
    return connection, False


def delivery_connections_close() -> None:
    """Close this thread's cached mail connection (not one inherited from a parent process)."""
    cached = getattr(_local, "cached", None)
    _local.cached = None
    if cached is not None and cached.key[0] == os.getpid():
        try:
            cached.connection.close()
        except Exception:  # a broken connection is being thrown away anyway
            logger.debug("closing a broken mail connection failed", exc_info=True)


def _transmit(msg: EmailMessage) -> None:
    connection, reused = _mail_connection()
    try:
        msg.connection = connection
        sent = msg.send()
    except smtplib.SMTPServerDisconnected as exc:
        delivery_connections_close()
        if not reused or _timed_out(exc):
            raise
        # The server dropped a connection we kept open: one fresh try.
        connection, _ = _mail_connection()
        msg.connection = connection
        try:
            sent = msg.send()
        except BaseException:
            delivery_connections_close()
            raise
    except BaseException:
        delivery_connections_close()
        raise
    _local.cached.last_used = time.monotonic()
    if not sent:
        raise NoRecipientError("The message has no recipient address.")
