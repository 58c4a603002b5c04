"""Reads of the HR dashboard and the insight page: figures aggregated in the database.

Each figure is a fixed number of queries whatever the amount of data. The
callers are HR-only views; nothing here returns a row of personal data.
"""

import datetime as dt
import math

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q
from django.utils import timezone

from core import heartbeats
from feedback.letters.selectors import UNSENT_STATUSES
from feedback.models import CandidateRating, FeedbackLetter
from hiring.models import Application, Job

Status = FeedbackLetter.Status


def hr_home_figures(*, now: dt.datetime | None = None) -> dict:
    """Candidates waiting for a letter and the oldest wait; overdue and failed letters. Two queries.

    Every figure counts letters not yet sent, so both queries read only those
    (``letter_status_deadline_idx``), not the history of sent letters. A no-hire
    drafts its letter in the same transaction (``decision_record``), so the
    candidates waiting are the no-hires whose letter is unsent.
    """
    now = now or timezone.now()
    unsent = FeedbackLetter.objects.filter(status__in=UNSENT_STATUSES)
    waiting = unsent.aggregate(count=Count("id"), oldest=Min("decision__decided_at"))
    letters = unsent.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=now)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        to_review=Count("id", filter=Q(status__in=FeedbackLetter.EDITABLE)),
        scheduled=Count("id", filter=Q(status=Status.SCHEDULED)),
    )
    oldest = waiting["oldest"]
    wait = (now - oldest) if oldest else None
    return {
        "waiting": waiting["count"],
        "oldest_decided_at": oldest,
        "oldest_wait": wait,
        "oldest_wait_days": wait.days if wait else None,
        "oldest_wait_hours": int(wait.total_seconds() // 3600) if wait else None,
        **letters,
    }


def sending_stalled_warning() -> dict | None:
    """Why letters would silently wait, for HR's home page; None while the worker and beat run.

    From the heartbeats (``core.heartbeats.sending_stalled``, one query): ``{"process":
    "beat" | "worker", "seen_at": aware datetime or None (never seen), "seen_today": bool}``
    for the process not seen for ``core.heartbeats.STALE_AFTER`` (beat first: without it
    nothing reaches a worker). ``seen_today`` is in the organisation's time zone.
    """
    stalled = heartbeats.sending_stalled()
    if stalled is None:
        return None
    seen_at = stalled.seen_at
    seen_today = seen_at is not None and timezone.localdate(seen_at) == timezone.localdate()
    return {"process": stalled.name, "seen_at": seen_at, "seen_today": seen_today}


def _nth(queryset, index: int):
    return queryset[index] if index >= 0 else None


def insight_figures(*, now: dt.datetime | None = None, jobs_shown: int = 20) -> dict:
    """Product step 12, aggregated in the database: a fixed number of queries whatever the data."""
    now = now or timezone.now()
    sent = FeedbackLetter.objects.filter(status=Status.SENT, sent_at__isnull=False).annotate(
        wait=ExpressionWrapper(F("sent_at") - F("decision__decided_at"), output_field=DurationField())
    )
    letters = FeedbackLetter.objects.aggregate(
        sent=Count("id", filter=Q(status=Status.SENT)),
        sent_late=Count("id", filter=Q(status=Status.SENT, sent_at__gt=F("deadline"))),
        unsent_late=Count("id", filter=Q(status__in=UNSENT_STATUSES, deadline__lt=now)),
        approved=Count("id", filter=Q(approved_at__isnull=False)),
        overridden=Count("id", filter=Q(approved_at__isnull=False) & ~Q(override_reason="")),
    )
    count = letters["sent"]
    waits = sent.order_by("wait").values_list("wait", flat=True)
    # Nearest-rank percentiles, read by offset: two small queries instead of every row.
    median = _nth(waits, (count + 1) // 2 - 1) if count else None
    p90 = _nth(waits, math.ceil(0.9 * count) - 1) if count else None

    funnel = list(
        Job.objects.annotate(
            applied=Count("applications", distinct=True),
            interviewed=Count(
                "applications", filter=Q(applications__interviews__isnull=False), distinct=True
            ),
            not_hired=Count("applications", filter=Q(applications__status="rejected"), distinct=True),
            hired=Count("applications", filter=Q(applications__status="hired"), distinct=True),
            letters_sent=Count(
                "applications__letters", filter=Q(applications__letters__status=Status.SENT), distinct=True
            ),
        )
        .filter(applied__gt=0)
        .order_by("-applied", "title")
        .values("id", "title", "applied", "interviewed", "not_hired", "hired", "letters_sent")[:jobs_shown]
    )

    ratings = CandidateRating.objects.aggregate(count=Count("id"), average=Avg("score"))
    distribution = dict(CandidateRating.objects.values_list("score").annotate(n=Count("id")).order_by())
    ratings["distribution"] = [distribution.get(score, 0) for score in range(1, 6)]

    reapply = Application.objects.aggregate(
        rejected=Count("id", filter=Q(status=Application.Status.REJECTED)),
        reapplied=Count("id", filter=Q(status=Application.Status.REJECTED, reapplications__isnull=False)),
    )
    outcomes = dict(
        Application.objects.filter(previous__isnull=False)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    reapply["outcomes"] = [
        {"status": label, "count": outcomes.get(value, 0)} for value, label in Application.Status.choices
    ]
    reapply["rate"] = (reapply["reapplied"] / reapply["rejected"]) if reapply["rejected"] else None

    return {
        "letters": letters,
        "median_wait": median,
        "p90_wait": p90,
        "override_rate": (letters["overridden"] / letters["approved"]) if letters["approved"] else None,
        "funnel": funnel,
        "ratings": ratings,
        "reapply": reapply,
    }
