"""Reads of the HR letter pages: who may see which letter, the queue, the dashboard figures.

Every HR view loads letters through ``letters_visible_to``; the figures are
aggregated in the database, so their cost does not grow with the data.
"""

import datetime as dt
import math

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from core.audit import audit_for
from core.roles import is_hr
from feedback.models import CandidateRating, FeedbackLetter, LetterTemplate
from hiring.models import Application, Job

Status = FeedbackLetter.Status
# Letters HR still has to act on or watch: not yet sent.
QUEUE_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.FAILED)
# A letter in one of these has not reached the candidate yet.
UNSENT_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.SENDING, Status.FAILED)


def letters_visible_to(user) -> QuerySet[FeedbackLetter]:
    """HR sees every letter; nobody else sees letters on these pages."""
    if is_hr(user):
        return FeedbackLetter.objects.all()
    return FeedbackLetter.objects.none()


def letter_for_user(*, user, pk: int) -> FeedbackLetter:
    """The letter with everything the editor shows, or 404."""
    letter = (
        letters_visible_to(user)
        .select_related(
            "application__candidate",
            "application__job",
            "decision__decided_by",
            "decision__stage",
            "template",
            "approved_by",
        )
        .filter(pk=pk)
        .first()
    )
    if letter is None:
        raise Http404
    return letter


def letter_queue(*, user, now: dt.datetime | None = None) -> QuerySet[FeedbackLetter]:
    """Letters not yet sent, nearest deadline first, each flagged ``is_overdue``."""
    now = now or timezone.now()
    return (
        letters_visible_to(user)
        .filter(status__in=QUEUE_STATUSES)
        .select_related("application__candidate", "application__job", "decision__decided_by")
        # The list shows none of the texts (read in order from letter_queue_idx).
        .defer("body", "sent_text", "sent_html", "last_error")
        .annotate(
            is_overdue=Case(
                When(deadline__lt=now, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("deadline", "id")
    )


def letters_in_review_count(*, user) -> int:
    """How many letters "approve every clean letter in review" would consider."""
    return letters_visible_to(user).filter(status=Status.IN_REVIEW).count()


def letter_events(letter: FeedbackLetter):
    """The letter's audit trail, oldest first."""
    return audit_for(letter).order_by("created_at", "id")


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


def letter_templates_visible_to(user) -> QuerySet[LetterTemplate]:
    if is_hr(user):
        return LetterTemplate.objects.select_related("updated_by")
    return LetterTemplate.objects.none()


def letter_template_for_user(*, user, pk: int) -> LetterTemplate:
    template = letter_templates_visible_to(user).filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


# --- Insight ----------------------------------------------------------------


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
