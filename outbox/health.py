"""The outbox's part of the readiness report (``core.health``): how long the oldest due row has waited.

Registered in ``OutboxConfig.ready()`` as the ``outbox`` probe. Read-only.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from outbox.kinds import KINDS
from outbox.models import DeliveryStatus

# A due row older than this makes the report "degraded": the slowest sweep (reminders) runs
# every 15 minutes, so a healthy system never has a row due for twice that.
LATE_AFTER = dt.timedelta(minutes=30)


def outbox_oldest_due(*, now: dt.datetime | None = None) -> dict:
    """Age of the oldest scheduled row whose send time has passed, per kind and overall.

    Returns ``{"ok": bool, "oldest_due_seconds": int | None, "kinds": {kind: int | None}}``:
    seconds since the oldest due row's ``send_after`` (None: nothing due), ``ok`` False when
    the oldest is past ``LATE_AFTER``. One query per registered kind, on its partial
    ``*_due_idx`` index (``send_after WHERE status = 'scheduled'``), reading one date.

    Unlike ``outbox.claims.deliveries_due_queryset`` it counts claimed rows too: with no
    worker, the sweep claims the same rows again every lease, and they must not drop out
    of sight while they wait.
    """
    now = now or timezone.now()
    kinds: dict[str, int | None] = {}
    for name, kind in sorted(KINDS.items()):
        oldest = (
            kind.model_class.objects.filter(status=DeliveryStatus.SCHEDULED, send_after__lte=now)
            .order_by("send_after")
            .values_list("send_after", flat=True)
            .first()
        )
        kinds[name] = int((now - oldest).total_seconds()) if oldest is not None else None
    ages = [age for age in kinds.values() if age is not None]
    oldest_age = max(ages) if ages else None
    return {
        "ok": oldest_age is None or oldest_age <= LATE_AFTER.total_seconds(),
        "oldest_due_seconds": oldest_age,
        "kinds": kinds,
    }
