"""The reminder sweep bench: time to claim (and queue) every due reminder, and its query plan.

The sweep is the real one (``outbox.services.deliveries_sweep(kind="reminder")``,
what ``reminders_sweep_task`` runs): it claims due rows in batches and queues
one send task per row on Redis. No worker runs meanwhile; after each timed
sweep the claims are released and the queue emptied, so every repetition sees
the same due rows.
"""

import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.models import DeliveryStatus, ReapplyReminder
from outbox.services import deliveries_due_queryset, deliveries_sweep

INDEX = "reminder_due_idx"


def due_ids() -> list[int]:
    return list(deliveries_due_queryset(ReapplyReminder, timezone.now()).values_list("pk", flat=True))


def _release(ids: list[int]) -> None:
    ReapplyReminder.objects.filter(pk__in=ids, status=DeliveryStatus.SCHEDULED).update(claimed_until=None)


def _empty_queue(redis_url: str | None) -> None:
    if redis_url and redis_url.startswith("redis"):
        from tests.support.workers import redis_flush

        redis_flush(redis_url)


def explain_claim() -> str:
    """EXPLAIN (ANALYZE) of the sweep's first claiming query, run in a transaction rolled back."""
    with CaptureQueriesContext(connection) as ctx:
        with transaction.atomic():
            list(
                deliveries_due_queryset(ReapplyReminder, timezone.now())
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:500]
            )
    # The SELECT (SQLite has no FOR UPDATE; PostgreSQL's carries SKIP LOCKED).
    sql = next(q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace(" FOR UPDATE SKIP LOCKED", ""))
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def time_sweep(*, repeats: int = 3, redis_url: str | None = None) -> dict:
    """Median seconds of a full sweep over the current due rows, and of its queries alone."""
    ids = due_ids()
    total = ReapplyReminder.objects.count()
    scheduled = ReapplyReminder.objects.filter(status=DeliveryStatus.SCHEDULED).count()
    times, db_times, claimed = [], [], []
    for _ in range(repeats):
        _release(ids)
        _empty_queue(redis_url)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            claimed.append(deliveries_sweep(kind="reminder"))  # exactly what reminders_sweep_task runs
            times.append(time.perf_counter() - start)
        db_times.append(sum(float(q["time"]) for q in ctx.captured_queries))
        queries = len(ctx.captured_queries)
    _release(ids)
    _empty_queue(redis_url)
    plan = explain_claim()
    return {
        "total": total,
        "scheduled": scheduled,
        "due": len(ids),
        "claimed": claimed[-1],
        "seconds": statistics.median(times),
        "runs": times,
        # The part that could grow with the table: the claiming queries (the rest is
        # publishing one message per due row, the same work at any table size).
        "db_seconds": statistics.median(db_times),
        "queries": queries,
        "plan": plan,
        "uses_index": INDEX in plan,
    }
