"""Writing a row's state as it is sent: take it, mark it sent or failed, audit it.

Every write is conditional on the row being as this worker read or took it
(its state and attempt count), so a row another worker took meanwhile is
never changed here. Used by ``outbox.sending``; not an API for apps.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.db.models.sql import Query

from core.audit import audit_many, audit_record
from core.events import emit_events, event_wanted
from core.models import AuditEvent
from outbox.claims import db_lease, takeable
from outbox.errors import Outcome
from outbox.kinds import DeliveryKind
from outbox.models import DeliveryStatus

logger = logging.getLogger(__name__)

# What taking a row writes: its state (and the lease, on the database's clock) ...
STATE_FIELDS = ["status", "attempts"]
# ... and, on the row's first take, the exact message that goes out, built once:
# every later try sends these same bytes (``sent_raw``) to the same envelope.
CONTENT_FIELDS = ["message_id", "sent_subject", "sent_text", "sent_html", "sent_raw", "sent_envelope"]
# What a row that reached its end (sent, failed, unknown) no longer needs.
SETTLED = {"claimed_until": None, "failing_since": None}
# A sent row no longer needs its bytes either (no try will come): what went out stays in
# sent_subject, sent_text, sent_html and message_id. An unknown row keeps them for HR's resend.
SENT = {**SETTLED, "sent_raw": None, "sent_envelope": None}
# In a ``DeliveryInterrupted``'s outcomes: a row taken and never tried, to give back at once.
UNTRIED = "untried"


def html_part(msg: EmailMessage) -> str:
    """The message's HTML alternative, or ""."""
    for content, mimetype in getattr(msg, "alternatives", []) or []:
        if mimetype == "text/html":
            return content
    return ""


# The outcomes announced as domain events (core.events): ``<kind>.sent``, ``<kind>.failed``,
# and ``<kind>.bounced`` (outbox.reports, from a provider's report).
ANNOUNCED = ("sent", "failed", "bounced")


def row_event_payloads(
    spec: DeliveryKind, model: type[models.Model], pks: list[int], verb: str
) -> list[dict]:
    """The payloads of ``<kind>.<verb>`` events for rows ``pks``: ids, states and times only.

    ``{"kind", "id", "public_id" (or None), "application_id" (if the row has one),
    "status", "message_id", "sent_at", "attempts"}``: one query for all rows. No names,
    addresses or text (docs/events.md).
    """
    fields = {f.attname for f in model._meta.concrete_fields}
    wanted = ["pk", "status", "message_id", "sent_at", "attempts"]
    wanted += [name for name in ("public_id", "application_id") if name in fields]
    payloads = []
    for values in model.objects.filter(pk__in=pks).order_by("pk").values(*wanted):
        payload = {
            "kind": spec.name,
            "id": values["pk"],
            "public_id": str(values["public_id"]) if values.get("public_id") else None,
            "status": verb,
            "message_id": values["message_id"],
            "sent_at": values["sent_at"].isoformat() if values["sent_at"] else None,
            "attempts": values["attempts"],
        }
        if "application_id" in values:
            payload["application_id"] = values["application_id"]
        payloads.append(payload)
    return payloads


def rows_announce(spec: DeliveryKind, model: type[models.Model], pks: list[int], verb: str) -> None:
    """Emit ``<prefix>.<verb>`` (``letter.sent``) for rows ``pks`` if anyone listens (core.events).

    Call inside the transaction that wrote the outcome, so that what listeners create
    (webhook deliveries) commits or rolls back with it.
    """
    prefix = spec.events_prefix
    if not prefix or verb not in ANNOUNCED or not pks:
        return
    name = f"{prefix}.{verb}"
    if event_wanted(name):
        emit_events(name, row_event_payloads(spec, model, list(pks), verb))


def row_audit(spec: DeliveryKind, row, verb: str, reason: str = "") -> None:
    """Audit ``<prefix>.<verb>`` for one row, if the kind audits; announce it (``rows_announce``)."""
    if spec.audit_prefix:
        audit_record(actor=None, verb=f"{spec.audit_prefix}.{verb}", target=row, reason=reason)
    rows_announce(spec, type(row), [row.pk], verb)


def rows_audit(spec: DeliveryKind, model: type[models.Model], pks: list[int], verb: str) -> None:
    """Audit ``<prefix>.<verb>`` for many rows in one INSERT, if the kind audits; announce them."""
    if spec.audit_prefix and pks:
        audit_many(actor=None, verb=f"{spec.audit_prefix}.{verb}", model=model, pks=pks)
    rows_announce(spec, model, pks, verb)


def row_fail_unsent(spec: DeliveryKind, as_read: models.QuerySet, row, attempt: int, reason: str) -> str:
    """Mark a row that was never sent (its message could not be built) failed, if still as read.

    Returns ``Outcome.FAILED``, or ``Outcome.SKIPPED`` if another worker moved the row meanwhile.
    """
    with transaction.atomic():
        changed = as_read.update(
            status=DeliveryStatus.FAILED, attempts=attempt, last_error=reason[:2000], **SETTLED
        )
        if changed:
            row_audit(spec, row, "failed", reason)
    return Outcome.FAILED if changed else Outcome.SKIPPED


def rows_mark_unknown(spec: DeliveryKind, row, reason: str) -> bool:
    """Mark a row this worker handed over without an answer *unknown*, with its audit row.

    Call inside a transaction. Returns False if the row was not ours any more.
    """
    changed = rows_mine(spec.model_class, [row]).update(
        status=DeliveryStatus.UNKNOWN, last_error=reason[:2000], **SETTLED
    )
    if changed:
        row_audit(spec, row, "unknown", reason)
    return bool(changed)


def rows_settle(spec: DeliveryKind, settled: list) -> None:
    """Record outcomes an earlier run knew but could not write (the database failed meanwhile).

    ``settled``: ``[pk, attempts, outcome, reason]`` lists, outcome ``Outcome.SENT`` or
    ``Outcome.UNKNOWN``, or ``UNTRIED`` (taken, never tried: given back to *scheduled*,
    its attempt returned, so this very run can take it again). A row is changed only if
    it is still at that attempt and not settled since: in *sending*, or back in
    *scheduled* (the sweep re-queued it after its lease ran out, but nobody took it
    again yet). The messages that went out are then not sent again.
    """
    model = spec.model_class
    with transaction.atomic():
        for pk, attempts, outcome, reason in settled:
            row = model.objects.filter(
                pk=pk,
                attempts=attempts,
                status__in=(DeliveryStatus.SENDING, DeliveryStatus.SCHEDULED),
            )
            if outcome == UNTRIED:
                row.filter(status=DeliveryStatus.SENDING).update(
                    status=DeliveryStatus.SCHEDULED, claimed_until=None, attempts=models.F("attempts") - 1
                )
                continue
            if outcome == Outcome.SENT:
                changed = row.update(status=DeliveryStatus.SENT, sent_at=Now(), last_error="", **SENT)
                verb = "sent"
            else:
                changed = row.update(status=DeliveryStatus.UNKNOWN, last_error=reason[:2000], **SETTLED)
                verb = "unknown"
            if changed:
                row_audit(spec, model(pk=pk), verb, reason if verb == "unknown" else "")


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
        else:
            rows_announce(spec, model, [rows[0].pk], "sent")
        return
    mine = rows_mine(model, rows)
    if len(rows) == 1:
        done = (
            [rows[0].pk]
            if mine.update(status=DeliveryStatus.SENT, sent_at=Now(), last_error="", **SENT)
            else []
        )
    else:
        done = list(mine.select_for_update().values_list("pk", flat=True))
        model.objects.filter(pk__in=done).update(
            status=DeliveryStatus.SENT, sent_at=Now(), last_error="", **SENT
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
    # sent_at on the database's clock, like every time the engine writes.
    update = (
        f"UPDATE {qn(meta.db_table)} SET {qn('status')} = %s, {qn('sent_at')} = NOW(), "  # nosec B608
        f"{qn('claimed_until')} = NULL, {qn('failing_since')} = NULL, {qn('last_error')} = '', "
        f"{qn('sent_raw')} = NULL, {qn('sent_envelope')} = NULL "
        f"WHERE {qn(meta.pk.column)} = %s AND {qn('status')} = %s AND {qn('attempts')} = %s "
        f"RETURNING {qn(meta.pk.column)}"
    )
    params = [DeliveryStatus.SENT, row.pk, DeliveryStatus.SENDING, row.attempts]
    if spec.audit_prefix:
        audit = AuditEvent._meta
        sql = (
            f"WITH done AS ({update}) INSERT INTO {qn(audit.db_table)} "  # nosec B608
            f"({qn('actor_id')}, {qn('verb')}, {qn('target_type')}, {qn('target_id')}, "
            f"{qn('reason')}, {qn('data')}, {qn('created_at')}) "
            f"SELECT NULL, %s, %s, {qn(meta.pk.column)}, '', '{{}}'::jsonb, NOW() FROM done "
            f"RETURNING {qn('target_id')}"
        )
        params += [f"{spec.audit_prefix}.sent", meta.label_lower]
    else:
        sql = update
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def rows_take(spec: DeliveryKind, ready: list) -> list:
    """Take the prepared rows that are still as read: those now *sending* and ours, in order.

    ``ready``: ``outbox.sending.Prepared`` items (a row, and its message: built now, or
    the bytes stored by an earlier try). One locked read and one bulk update in one
    transaction. A row another worker took, sent or cancelled meanwhile (its state or
    attempt count changed), or holds locked right now, is left out: it is not sent here.
    A row taken for the first time stores its message (``CONTENT_FIELDS``); a row tried
    before keeps the one it stored. The lease is written on the database's clock.
    """
    if not ready:
        return []
    model = spec.model_class
    as_read = {item.row.pk: item.row.attempts for item in ready}
    with transaction.atomic():
        current = dict(
            model.objects.filter(takeable(), pk__in=list(as_read))
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")
        )
        taken = [item for item in ready if current.get(item.row.pk, -1) == as_read[item.row.pk]]
        for item in taken:
            row = item.row
            row.status = DeliveryStatus.SENDING
            row.attempts = as_read[row.pk] + 1
            if item.fresh:
                msg = item.msg
                row.sent_subject = str(msg.subject)[:300]
                row.sent_text = str(msg.body) if spec.keep_bodies else ""
                row.sent_html = html_part(msg) if spec.keep_bodies else ""
                # A kind that keeps no bodies keeps no bytes either: its next try builds again.
                row.sent_raw = item.raw if spec.keep_bodies else None
                row.sent_envelope = item.envelope if spec.keep_bodies else None
        _store_sending([item.row for item in taken if item.fresh], STATE_FIELDS + CONTENT_FIELDS)
        _store_sending([item.row for item in taken if not item.fresh], STATE_FIELDS)
    return taken


def _expression_sql(expression, model: type[models.Model], db) -> tuple[str, list]:
    """SQL and parameters of an ORM expression (e.g. the lease on the database's clock) for raw SQL."""
    query = Query(model)
    compiler = query.get_compiler(connection=db)
    sql, params = compiler.compile(expression.resolve_expression(query))
    return sql, list(params)


def _store_sending(rows: list, field_names: list[str]) -> None:
    """Write each taken row's state, lease and (first take) content: one statement run for many rows.

    ``bulk_update`` builds a CASE per field and row, which costs more Python time
    than sending the chunk; executemany sends the same UPDATE with each row's values.
    """
    if not rows:
        return
    model = type(rows[0])
    meta = model._meta
    db = connections[router.db_for_write(model)]
    qn = db.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    lease_sql, lease_params = _expression_sql(db_lease(), model, db)
    assignments = ", ".join(
        [f"{qn(field.column)} = %s" for field in fields]
        + [f"{qn(meta.get_field('claimed_until').column)} = {lease_sql}"]
    )
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # nosec B608
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection=db) for field in fields]
        + lease_params
        + [row.pk]
        for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)
