"""Writing a row's state as it is sent: take it, mark it sent or failed, audit it.

Every write is conditional on the row being as this worker read or took it
(its state and attempt count), so a row another worker took meanwhile is
never changed here. Used by ``outbox.sending``; not an API for apps.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import EmailMessage
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_many, audit_record
from core.models import AuditEvent
from outbox.claims import delivery_lease_until, takeable
from outbox.errors import Outcome
from outbox.kinds import DeliveryKind
from outbox.models import DeliveryStatus

logger = logging.getLogger(__name__)

# What taking a row writes: its state and the exact message that goes out.
SENDING_FIELDS = [
    "status",
    "claimed_until",
    "attempts",
    "message_id",
    "sent_subject",
    "sent_text",
    "sent_html",
]


def html_part(msg: EmailMessage) -> str:
    """The message's HTML alternative, or ""."""
    for content, mimetype in getattr(msg, "alternatives", []) or []:
        if mimetype == "text/html":
            return content
    return ""


def row_audit(spec: DeliveryKind, row, verb: str, reason: str = "") -> None:
    """Audit ``<prefix>.<verb>`` for one row, if the kind audits."""
    if spec.audit_prefix:
        audit_record(actor=None, verb=f"{spec.audit_prefix}.{verb}", target=row, reason=reason)


def rows_audit(spec: DeliveryKind, model: type[models.Model], pks: list[int], verb: str) -> None:
    """Audit ``<prefix>.<verb>`` for many rows in one INSERT, if the kind audits."""
    if spec.audit_prefix and pks:
        audit_many(actor=None, verb=f"{spec.audit_prefix}.{verb}", model=model, pks=pks)


def row_fail_unsent(spec: DeliveryKind, as_read: models.QuerySet, row, attempt: int, reason: str) -> str:
    """Mark a row that was never sent (its message could not be built) failed, if still as read.

    Returns ``Outcome.FAILED``, or ``Outcome.SKIPPED`` if another worker moved the row meanwhile.
    """
    with transaction.atomic():
        changed = as_read.update(
            status=DeliveryStatus.FAILED, attempts=attempt, claimed_until=None, last_error=reason[:2000]
        )
        if changed:
            row_audit(spec, row, "failed", reason)
    return Outcome.FAILED if changed else Outcome.SKIPPED


def rows_mine(model: type[models.Model], rows: list) -> models.QuerySet:
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


def rows_mark_sent(spec: DeliveryKind, rows: list) -> None:
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
    mine = rows_mine(model, rows)
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
    rows_audit(spec, model, done, "sent")


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


def rows_take(spec: DeliveryKind, ready: list, now: datetime) -> list:
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
            model.objects.filter(takeable(now), pk__in=list(as_read))
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")
        )
        taken = [(row, msg) for row, msg in ready if current.get(row.pk, -1) == as_read[row.pk]]
        lease_until = delivery_lease_until(timezone.now())
        for row, msg in taken:
            row.status = DeliveryStatus.SENDING
            row.claimed_until = lease_until
            row.attempts = as_read[row.pk] + 1
            row.sent_subject = str(msg.subject)[:300]
            row.sent_text = str(msg.body) if spec.keep_bodies else ""
            row.sent_html = html_part(msg) if spec.keep_bodies else ""
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
    fields = [meta.get_field(name) for name in SENDING_FIELDS]
    assignments = ", ".join(f"{qn(field.column)} = %s" for field in fields)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # nosec B608
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection=db) for field in fields] + [row.pk]
        for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)
