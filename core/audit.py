"""The audit trail: who did what, when, and why. Every service writes through these helpers."""

import datetime as dt
import json

from django.db import connections, models, router
from django.utils import timezone

from core.models import AuditEvent


def audit_record(*, actor, verb: str, target: models.Model, reason: str = "", data=None) -> AuditEvent:
    """Write one audit row for ``target``. ``actor``: a user, or None (the system). Returns the row."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        reason=reason,
        data=data or {},
    )


def audit_many(*, actor, verb: str, model: type[models.Model], pks, reason: str = "") -> None:
    """One ``verb`` audit row per primary key in ``pks``, in one INSERT (bulk sends, bulk writes)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor, verb=verb, target_type=model._meta.label_lower, target_id=pk, reason=reason
            )
            for pk in pks
        ]
    )


def audit_matching(
    *, actor, verb: str, queryset: models.QuerySet, data=None, at: dt.datetime | None = None
) -> None:
    """One ``verb`` audit row per row of ``queryset``, by one ``INSERT … SELECT``: no objects in Python.

    For writes of thousands of rows (bulk approval of 10,000 letters), where
    building one ``AuditEvent`` per row costs more than the write itself. Rows
    are inserted in primary-key order; ``at`` (aware datetime, default now) is
    their ``created_at``.
    """
    model = queryset.model
    db = connections[router.db_for_write(AuditEvent)]
    qn = db.ops.quote_name
    meta = AuditEvent._meta
    columns = ", ".join(
        qn(meta.get_field(name).column)
        for name in ("actor", "verb", "target_type", "target_id", "reason", "data", "created_at")
    )
    matched = queryset.order_by().annotate(audit_target_id=models.F("pk")).values("audit_target_id")
    inner, inner_params = matched.query.sql_with_params()
    pk = qn("audit_target_id")
    # Table and column names come from the models' meta; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) "  # nosec B608
        f"SELECT %s, %s, %s, matched.{pk}, '', %s, %s FROM ({inner}) matched ORDER BY matched.{pk}"
    )
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    when = db.ops.adapt_datetimefield_value(at or timezone.now())
    params = [actor_id, verb, model._meta.label_lower, json.dumps(data or {}), when, *inner_params]
    with db.cursor() as cursor:
        cursor.execute(sql, params)


def audit_for(target: models.Model):
    """The audit rows of ``target``, newest first, with their actors."""
    return AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=target.pk
    ).select_related("actor")


def _scrub_value(value, mentions, replacement: str):
    """``value`` (JSON data) with every string that ``mentions`` replaced; (new value, changed?)."""
    if isinstance(value, str):
        return (replacement, True) if mentions(value) else (value, False)
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            new_key, key_changed = _scrub_value(key, mentions, replacement)
            new_item, item_changed = _scrub_value(item, mentions, replacement)
            if new_key in out:  # two keys scrubbed to the same text: keep both values
                new_key = f"{new_key} {len(out)}"
            out[new_key] = new_item
            changed = changed or key_changed or item_changed
        return out, changed
    if isinstance(value, list):
        items = [_scrub_value(item, mentions, replacement) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


def audit_scrub(*, targets: dict[str, list[int]], mentions, replacement: str = "(erased)") -> int:
    """Erase what audit rows about ``targets`` say about someone, keeping who did what and when.

    ``targets``: {model label (``"hiring.interview"``, as ``target_type``): [primary keys]}.
    ``mentions(text) -> bool``: whether a text names the person (their name, email, phone).
    A ``reason`` that mentions them becomes ``replacement``; so does every string in ``data``
    (values and keys, at any depth) that mentions them. Rows are read by the target index,
    never by scanning the table. Returns the number of rows changed. Used by erasure
    (``feedback.privacy.services.candidate_erase``); the only change ever made to audit rows.
    """
    changed = []
    for target_type, pks in targets.items():
        pks = list(pks)
        for start in range(0, len(pks), 500):
            rows = AuditEvent.objects.filter(target_type=target_type, target_id__in=pks[start : start + 500])
            for row in rows.only("id", "reason", "data"):
                dirty = False
                if row.reason and mentions(row.reason):
                    row.reason = replacement
                    dirty = True
                row.data, data_changed = _scrub_value(row.data, mentions, replacement)
                if dirty or data_changed:
                    changed.append(row)
    AuditEvent.objects.bulk_update(changed, ["reason", "data"], batch_size=500)
    return len(changed)
