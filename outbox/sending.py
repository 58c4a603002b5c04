"""Sending rows' emails, each exactly once: one row, a chunk of rows, retries.

- ``delivery_send`` builds the message, then takes the row with a conditional
  update (scheduled → sending, storing the exact subject and bodies), sends it
  and moves it sending → sent. A second run of the same task finds the row
  taken or sent and does nothing. The Message-ID is stored on the row, so a
  resend after a crash carries the same Message-ID.
- ``deliveries_send_chunk`` does the same for many rows at once: one query
  loads them, one locked read and one bulk update take them (only rows still as
  read are taken, so a duplicate or redelivered chunk sends nothing), one SMTP
  session carries them, and they are marked sent in bulk (every
  ``CANDOR_SEND_MARK_EVERY`` messages).
- A temporary SMTP failure puts the row back to *scheduled* with a claim longer
  than Celery's longest back-off, so the sweep leaves it to the task's retry;
  the last try, or a permanent refusal (5xx for the recipient), marks it
  *failed* with a reason HR can read.

Messages go through ``settings.EMAIL_BACKEND``; with SMTP that is
``outbox.backends.PersistentSMTPBackend``, which keeps one session per process
and thread open across messages.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.utils import timezone

from outbox.claims import (
    PUBLISH_RETRY_POLICY,
    RETRY_BACKOFF_MAX,
    SEND_CHUNK_TASK,
    SEND_TASK,
    delivery_lease_until,
    retry_hold_until,
    takeable,
)
from outbox.errors import (
    DeliveryStateError,
    NoRecipientError,
    Outcome,
    TemporaryDeliveryError,
    explain_failure,
    failure_concerns_one_message,
)
from outbox.kinds import DeliveryKind, delivery_kind
from outbox.marking import (
    html_part,
    row_audit,
    row_fail_unsent,
    rows_mark_sent,
    rows_mine,
    rows_take,
)
from outbox.message_ids import delivery_message_id
from outbox.models import DeliveryStatus

logger = logging.getLogger(__name__)


def _transmit(msg: EmailMessage) -> None:
    """Send one message through ``settings.EMAIL_BACKEND``; raise whatever the backend raises.

    Raises ``NoRecipientError`` for a message with nobody to go to.
    """
    msg.connection = get_connection(fail_silently=False)
    if not msg.send():
        raise NoRecipientError("The message has no recipient address.")


def _force_message_id(msg: EmailMessage, message_id: str) -> None:
    """The stored Message-ID is the one that goes out, whatever the builder set."""
    for header in [h for h in msg.extra_headers if h.lower() == "message-id"]:
        del msg.extra_headers[header]
    msg.extra_headers["Message-ID"] = message_id


def delivery_send(*, kind: str, pk: int, last_try: bool = False) -> str:
    """Send one row's email if it is due and nobody else is sending it. Returns an ``Outcome``.

    Raises ``TemporaryDeliveryError`` (from the mail server's error) when the
    message could not be sent now and tries remain: the row waits, claimed, for
    the Celery task's retry. ``last_try`` (or ``attempts`` over
    ``CANDOR_SEND_MAX_RETRIES``) marks it failed instead.
    """
    spec = delivery_kind(kind)
    model = spec.model_class
    now = timezone.now()
    row = model.objects.select_related(*spec.select_related).filter(takeable(now), pk=pk).first()
    if row is None:
        return Outcome.SKIPPED
    # Every write below is conditional on the row being as we read it: if
    # another worker moved it meanwhile, we change nothing and send nothing.
    as_read = model.objects.filter(takeable(now), pk=pk, attempts=row.attempts)
    attempt = row.attempts + 1

    try:
        skip = spec.hook("skip")
        reason = skip(row) if skip else ""
        if not reason:
            row.message_id = row.message_id or delivery_message_id(kind, row)
            msg = spec.hook("builder")(row)
    except Exception as exc:
        logger.exception("delivery %s #%s: could not prepare the message", kind, pk)
        return row_fail_unsent(
            spec, as_read, row, attempt, f"Could not prepare the message ({type(exc).__name__}: {exc})."
        )
    if reason:
        with transaction.atomic():
            changed = as_read.update(status=DeliveryStatus.CANCELLED, claimed_until=None, last_error=reason)
            if changed:
                row_audit(spec, row, "cancelled", reason)
        return Outcome.CANCELLED if changed else Outcome.SKIPPED

    _force_message_id(msg, row.message_id)

    taken = as_read.update(
        status=DeliveryStatus.SENDING,
        claimed_until=delivery_lease_until(now),
        attempts=attempt,
        message_id=row.message_id,
        sent_subject=str(msg.subject)[:300],
        sent_text=str(msg.body) if spec.keep_bodies else "",
        sent_html=html_part(msg) if spec.keep_bodies else "",
    )
    if not taken:
        return Outcome.SKIPPED
    mine = model.objects.filter(pk=pk, status=DeliveryStatus.SENDING, attempts=attempt)

    try:
        _transmit(msg)
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
        if permanent or last_try or attempt > settings.CANDOR_SEND_MAX_RETRIES:
            if not permanent:
                reason = f"{reason} Gave up after {attempt} tries."
            with transaction.atomic():
                if mine.update(status=DeliveryStatus.FAILED, claimed_until=None, last_error=reason):
                    row_audit(spec, row, "failed", reason)
            return Outcome.FAILED
        # Wait for the task's retry; the claim keeps the sweep away meanwhile.
        mine.update(
            status=DeliveryStatus.SCHEDULED,
            claimed_until=retry_hold_until(),
            last_error=f"Try {attempt} failed, trying again: {reason}",
        )
        raise TemporaryDeliveryError(reason) from exc

    with transaction.atomic():
        done = mine.update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
        )
        if done:
            row_audit(spec, row, "sent")
    if not done:
        # Our lease ran out mid-send and another worker took the row over: it
        # sends the same message again, with the same Message-ID.
        logger.warning("delivery %s #%s: sent, but the lease had been taken over", kind, pk)
    return Outcome.SENT


def deliveries_send_chunk(*, kind: str, pks: list[int]) -> dict[int, str]:
    """Send many rows' emails, each once, over one SMTP session. Returns each id's ``Outcome``.

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
        .filter(takeable(now), pk__in=list(pks))
        .order_by("pk")
    )
    skip = spec.hook("skip")
    builder = spec.hook("builder")
    prepare = spec.hook("prepare")
    if prepare and rows:
        prepare(rows)

    ready = []
    for row in rows:
        try:
            reason = skip(row) if skip else ""
            if not reason:
                row.message_id = row.message_id or delivery_message_id(kind, row)
                msg = builder(row)
        except Exception as exc:
            logger.exception("delivery %s #%s: could not prepare the message", kind, row.pk)
            as_read = model.objects.filter(takeable(now), pk=row.pk, attempts=row.attempts)
            outcomes[row.pk] = row_fail_unsent(
                spec,
                as_read,
                row,
                row.attempts + 1,
                f"Could not prepare the message ({type(exc).__name__}: {exc}).",
            )
            continue
        if reason:
            as_read = model.objects.filter(takeable(now), pk=row.pk, attempts=row.attempts)
            with transaction.atomic():
                if as_read.update(status=DeliveryStatus.CANCELLED, claimed_until=None, last_error=reason):
                    row_audit(spec, row, "cancelled", reason)
                    outcomes[row.pk] = Outcome.CANCELLED
            continue
        _force_message_id(msg, row.message_id)
        ready.append((row, msg))

    taken = rows_take(spec, ready, now)
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
            permanent, reason = explain_failure(exc)
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
                    rows_mark_sent(spec, sent)
                    if rows_mine(model, [row]).update(
                        status=DeliveryStatus.FAILED, claimed_until=None, last_error=reason[:2000]
                    ):
                        row_audit(spec, row, "failed", reason)
                sent = []
                outcomes[row.pk] = Outcome.FAILED
            else:
                retry.append((row, reason))
                outcomes[row.pk] = Outcome.SKIPPED
            if permanent or failure_concerns_one_message(exc):
                continue
            _chunk_stop(spec, sent, retry, [r for r, _m in taken[index + 1 :]])
            return outcomes
        sent.append(row)
        outcomes[row.pk] = Outcome.SENT
        if len(sent) >= mark_every:
            with transaction.atomic():
                rows_mark_sent(spec, sent)
            sent = []
    _chunk_stop(spec, sent, retry, [])
    return outcomes


def _chunk_stop(spec: DeliveryKind, sent: list, retry: list, untried: list) -> None:
    """In one transaction: mark the sent rows sent, hand failed and untried rows back for a retry."""
    if not (sent or retry or untried):
        return
    model = spec.model_class
    with transaction.atomic():
        rows_mark_sent(spec, sent)
        hold_until = retry_hold_until()
        for row, reason in retry:
            rows_mine(model, [row]).update(
                status=DeliveryStatus.SCHEDULED,
                claimed_until=hold_until,
                last_error=f"Try {row.attempts} failed, trying again: {reason}"[:2000],
            )
        if untried:
            # Not tried: the attempt taken for them is given back.
            rows_mine(model, untried).update(
                status=DeliveryStatus.SCHEDULED, claimed_until=hold_until, attempts=models.F("attempts") - 1
            )
    if retry or untried:
        failed = [(row.pk, row.attempts) for row, _reason in retry]
        transaction.on_commit(partial(_queue_retries, spec.name, failed, [row.pk for row in untried]))


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


def delivery_retry(*, kind: str, pk: int, send_after: datetime | None = None) -> None:
    """Put a failed row back in the queue with a fresh count of tries (HR's "retry" button).

    Callers (e.g. ``letter_retry``) check permissions and write their audit record.
    Raises ``DeliveryStateError`` unless the row is *failed*.
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
