"""Reads that decide who sees what in hiring. Views load objects only through these.

Rules:
- HR sees every job, application, interview and submitted scorecard.
- A hiring manager sees the applications of the jobs they manage, and those they interview for.
- An interviewer sees the applications they have an interview in.
- Which scorecards of an application a user reads is ``hiring.predicates`` (``can_see_scorecard``);
  ``scorecards_visible_to`` filters through it.
Anything else answers 404.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from core import roles
from hiring import predicates
from hiring.models import (
    Application,
    Criterion,
    Decision,
    FeedbackPoint,
    Interview,
    Job,
    Rating,
    Scorecard,
    Stage,
)

User = get_user_model()


# --- Applications ---------------------------------------------------------------------------


def applications_visible_to(user) -> QuerySet[Application]:
    qs = Application.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if roles.is_hr(user):
        return qs
    if not roles.is_staff_member(user):
        return qs.none()
    interviews = Interview.objects.filter(application=OuterRef("pk"), interviewer=user)
    return qs.filter(Q(job__hiring_manager=user) | Q(Exists(interviews)))


def application_for(user, pk) -> Application:
    """One application the user may see, with what its page needs, or 404."""
    qs = applications_visible_to(user).select_related(
        "candidate", "job", "job__hiring_manager", "current_stage", "previous"
    )
    try:
        return qs.get(pk=pk)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def applications_managed_by(user) -> QuerySet[Application]:
    """Open applications of the jobs this user manages, oldest first (their to-do list)."""
    return (
        Application.objects.filter(job__hiring_manager=user, status=Application.Status.ACTIVE)
        .select_related("candidate", "job", "current_stage")
        .order_by("created_at", "id")
    )


def application_history(application: Application) -> list[Application]:
    """Earlier applications this one follows (newest first), with their decisions and points.

    The chain is short (one per reapplication), so one query per link is fine.
    """
    chain = []
    seen = {application.pk}
    current = application.previous_id
    while current and current not in seen:
        seen.add(current)
        earlier = (
            Application.objects.select_related("job", "current_stage")
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=Decision.objects.select_related("stage", "decided_by").prefetch_related(
                        Prefetch("points", queryset=FeedbackPoint.objects.select_related("criterion"))
                    ),
                )
            )
            .filter(pk=current)
            .first()
        )
        if earlier is None:
            break
        chain.append(earlier)
        current = earlier.previous_id
    return chain


def reapply_answers(application: Application) -> list:
    """What the candidate wrote, on reapplying, against the earlier points (one query)."""
    return list(application.reapply_answers.select_related("point__criterion"))


def previous_interviewer_ids(application: Application) -> set[int]:
    """Users who interviewed this candidate in any other application."""
    return set(
        Interview.objects.filter(application__candidate_id=application.candidate_id)
        .exclude(application=application)
        .values_list("interviewer_id", flat=True)
    )


# --- Jobs -----------------------------------------------------------------------------------


def jobs_for_hr(user) -> QuerySet[Job]:
    """Every job, for those who manage jobs (``predicates.can_manage_jobs``); none for others."""
    if not predicates.can_manage_jobs(user):
        return Job.objects.none()
    return Job.objects.select_related("hiring_manager")


def job_for_hr(user, pk) -> Job:
    try:
        return jobs_for_hr(user).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def stage_for_hr(user, pk) -> Stage:
    if not predicates.can_manage_jobs(user):
        raise Http404
    try:
        return Stage.objects.select_related("job").get(pk=pk)
    except (Stage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def criterion_for_hr(user, pk) -> Criterion:
    if not predicates.can_manage_jobs(user):
        raise Http404
    try:
        return Criterion.objects.select_related("stage", "stage__job").get(pk=pk)
    except (Criterion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def job_pipeline(job: Job) -> list[Stage]:
    """Stages in order, each with its criteria prefetched."""
    return list(
        job.stages.order_by("position").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id"))
        )
    )


def assignable_interviewers() -> QuerySet:
    """Users who may interview (``predicates.can_interview``), as a queryset, by name."""
    return (
        User.objects.filter(is_active=True, groups__name__in=predicates.INTERVIEWING_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- Interviews -----------------------------------------------------------------------------


def interviews_for(user) -> QuerySet[Interview]:
    """The user's own interviews, with what a list row needs."""
    if not user.is_authenticated:
        return Interview.objects.none()
    submitted = Scorecard.objects.filter(interview=OuterRef("pk"), status=Scorecard.Status.SUBMITTED)
    return (
        Interview.objects.filter(interviewer=user)
        .select_related("application", "application__candidate", "application__job", "stage")
        .annotate(has_submitted=Exists(submitted))
    )


HOME_ROWS = 25  # rows per list on the interviewer home; the rest are on the section's own pages


def my_interview_lists(user, *, now=None) -> dict[str, QuerySet[Interview]]:
    """Upcoming interviews, and past ones still waiting for my scorecard, oldest first.

    Interviews without a time count as waiting: the interviewer can write the scorecard any time.
    """
    now = now or timezone.now()
    base = interviews_for(user).filter(application__status=Application.Status.ACTIVE, has_submitted=False)
    upcoming = base.filter(scheduled_at__gt=now).order_by("scheduled_at", "id")
    waiting = base.filter(Q(scheduled_at__lte=now) | Q(scheduled_at__isnull=True)).order_by(
        "scheduled_at", "id"
    )
    return {"waiting": waiting, "upcoming": upcoming}


def first_rows(queryset: QuerySet, limit: int = HOME_ROWS) -> tuple[list, int]:
    """The first ``limit`` rows and how many there are in all, in one query (a window count)."""
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:limit])
    return rows, (rows[0].total_rows if rows else 0)


def my_interviews(user, *, now=None, limit: int = HOME_ROWS) -> dict:
    """The home's lists: at most ``limit`` rows each, and how many more each has (``<name>_more``)."""
    result: dict = {}
    for name, queryset in my_interview_lists(user, now=now).items():
        rows, total = first_rows(queryset, limit)
        result[name], result[f"{name}_more"] = rows, total - len(rows)
    return result


def interview_of(user, pk) -> Interview:
    """The user's own interview (for their scorecard), or 404."""
    try:
        return interviews_for(user).select_related("application__job__hiring_manager").get(pk=pk)
    except (Interview.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def application_interviews(application: Application) -> list[Interview]:
    return list(
        application.interviews.select_related("interviewer", "stage", "scorecard").order_by(
            "stage__position", "scheduled_at", "id"
        )
    )


# --- Scorecards -----------------------------------------------------------------------------


def scorecards_visible_to(
    user, application: Application, *, sees_others: bool | None = None
) -> list[Scorecard]:
    """The scorecards of an application this user may read (``predicates.can_see_scorecard``):
    their own (draft or not) and, when allowed, everyone else's submitted ones, with their
    ratings, in stage order. ``sees_others``: the answer of
    ``predicates.can_see_others_scorecards`` if the caller has it already.

    An application has a handful of scorecards, so they are all read and filtered here through
    the predicate (two queries), rather than repeating its rule in SQL.
    """
    if sees_others is None:
        sees_others = predicates.can_see_others_scorecards(user, application)
    cards = (
        Scorecard.objects.filter(interview__application=application)
        .select_related("interview", "interview__interviewer", "interview__stage")
        .order_by("interview__stage__position", "submitted_at", "id")
    )
    visible = [card for card in cards if predicates.can_see_scorecard(user, card, sees_others=sees_others)]
    prefetch_related_objects(
        visible, Prefetch("ratings", queryset=Rating.objects.select_related("criterion"))
    )
    return visible


def scorecard_ratings(scorecard: Scorecard | None) -> dict[int, Rating]:
    if scorecard is None or scorecard.pk is None:
        return {}
    return {r.criterion_id: r for r in scorecard.ratings.all()}


# --- Decisions ------------------------------------------------------------------------------


def decision_criteria(application: Application) -> QuerySet[Criterion]:
    """Criteria a feedback point may name: those of the stages reached so far."""
    position = application.current_stage.position if application.current_stage else -1
    return (
        Criterion.objects.filter(stage__job=application.job, stage__position__lte=position)
        .select_related("stage")
        .order_by("stage__position", "position", "id")
    )


def proposed_points(user, application: Application) -> list[dict]:
    """The decider's own low ratings (1 or 2) on this application, as starting points."""
    ratings = (
        Rating.objects.filter(
            scorecard__interview__application=application,
            scorecard__interview__interviewer=user,
            score__in=[Rating.Score.STRONG_NO, Rating.Score.NO],
        )
        .select_related("criterion", "criterion__stage")
        .order_by("criterion__stage__position", "criterion__position", "criterion_id")
    )
    return [
        {"criterion": r.criterion_id, "observation": r.evidence, "suggestion": r.shareable_note}
        for r in ratings
    ]


def application_decisions(application: Application) -> list[Decision]:
    return list(
        application.decisions.select_related("stage", "decided_by").prefetch_related(
            Prefetch("points", queryset=FeedbackPoint.objects.select_related("criterion"))
        )
    )


def application_decisions_and_withdrawn(application: Application) -> tuple[list[Decision], list[Decision]]:
    """(standing decisions, decisions HR withdrew) of the application, in the same two queries as
    ``application_decisions`` (``Decision.all_objects``, split in Python), oldest first."""
    rows = list(
        Decision.all_objects.filter(application=application)
        .select_related("stage", "decided_by", "withdrawn_by")
        .prefetch_related(Prefetch("points", queryset=FeedbackPoint.objects.select_related("criterion")))
    )
    return [d for d in rows if d.withdrawn_at is None], [d for d in rows if d.withdrawn_at is not None]


def next_stage(application: Application) -> Stage | None:
    if application.current_stage is None:
        return None
    return (
        application.job.stages.filter(position__gt=application.current_stage.position)
        .order_by("position")
        .first()
    )
