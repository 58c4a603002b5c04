"""The hiring manager's pipeline (issue #17, item 5): per job they manage, how many applications
sit at each stage, who is waiting (for a scorecard, for a decision) and since when, and the
feedback letters of the job with their state.

It reads hiring's rows and feedback's letters, so it lives in feedback (hiring never imports
feedback). Query count is fixed whatever the number of jobs, applications or letters
(``feedback/tests/test_pipeline.py`` proves it at two sizes).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from core import roles
from feedback.models import FeedbackLetter
from hiring.models import Application, Interview, Job, Scorecard, Stage

# Letters still to go out, listed by name; the others are counted per state.
LETTERS_LISTED = (
    FeedbackLetter.Status.DRAFT,
    FeedbackLetter.Status.IN_REVIEW,
    FeedbackLetter.Status.SCHEDULED,
    FeedbackLetter.Status.FAILED,
    FeedbackLetter.Status.UNKNOWN,
)


def can_see_pipeline(user) -> bool:
    """The pipeline page: hiring managers (their jobs) and HR (every open job)."""
    return user.is_authenticated and (roles.is_hiring_manager(user) or roles.is_hr(user))


@dataclass
class Waiting:
    application: Application
    what: str  # "scorecard" or "decision"
    since: object  # aware datetime the wait started
    who: list = field(default_factory=list)  # names of the interviewers whose scorecard is due

    @property
    def days(self) -> int:
        return max(0, (timezone.now() - self.since).days)


@dataclass
class JobPipeline:
    job: Job
    stages: list = field(default_factory=list)  # [(Stage, open applications there)]
    closed: dict = field(default_factory=dict)  # {status label: count}
    waiting: list = field(default_factory=list)  # [Waiting], longest first
    letter_counts: list = field(default_factory=list)  # [(state label, count)]
    letters: list = field(default_factory=list)  # [FeedbackLetter] not yet sent, by deadline


def pipeline_jobs(user):
    """The jobs whose pipeline ``user`` sees: those they manage; for HR, every open job."""
    jobs = Job.objects.order_by("title", "id")
    if roles.is_hr(user):
        return jobs.filter(Q(status=Job.Status.OPEN) | Q(hiring_manager=user))
    return jobs.filter(hiring_manager=user).exclude(status=Job.Status.DRAFT)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def manager_pipeline(user) -> list[JobPipeline]:
    """Every job of ``pipeline_jobs(user)`` with its stage counts, waits and letters.

    Six queries whatever the size: jobs, stages, application counts, the current stage's
    interviews of open applications (with scorecards, interviewers and candidates), letter
    counts, and the letters still to go out. A wait for a scorecard starts at the interview's
    time (only interviews whose time has passed); a wait for a decision at the last scorecard
    submitted for the current stage, once every interviewer of it has submitted.
    """
    jobs = list(pipeline_jobs(user))
    by_job = {job.pk: JobPipeline(job=job) for job in jobs}
    if not jobs:
        return []
    ids = list(by_job)
    open_counts = defaultdict(int)
    status_labels = dict(Application.Status.choices)
    for row in (
        Application.objects.filter(job_id__in=ids)
        .values("job_id", "status", "current_stage_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["status"] == Application.Status.ACTIVE:
            open_counts[(row["job_id"], row["current_stage_id"])] += row["n"]
        else:
            closed = by_job[row["job_id"]].closed
            label = status_labels[row["status"]]
            closed[label] = closed.get(label, 0) + row["n"]
    for stage in Stage.objects.filter(job_id__in=ids).order_by("job_id", "position"):
        by_job[stage.job_id].stages.append((stage, open_counts.get((stage.job_id, stage.pk), 0)))

    now = timezone.now()
    interviews = (
        Interview.objects.filter(
            application__job_id__in=ids,
            application__status=Application.Status.ACTIVE,
            stage_id=F("application__current_stage_id"),
        )
        .select_related("application__candidate", "application__current_stage", "interviewer", "scorecard")
        .order_by("application_id", "id")
    )
    per_application = defaultdict(list)
    for interview in interviews:
        per_application[interview.application_id].append(interview)
    for rows in per_application.values():
        application = rows[0].application
        due = []
        submitted_at = []
        for interview in rows:
            card = getattr(interview, "scorecard", None)
            if card is not None and card.status == Scorecard.Status.SUBMITTED:
                submitted_at.append(card.submitted_at)
            elif interview.scheduled_at is not None and interview.scheduled_at <= now:
                due.append(interview)
        pipeline = by_job[application.job_id]
        if due:
            pipeline.waiting.append(
                Waiting(
                    application=application,
                    what="scorecard",
                    since=min(i.scheduled_at for i in due),
                    who=[_name(i.interviewer) for i in due],
                )
            )
        elif len(submitted_at) == len(rows):
            pipeline.waiting.append(
                Waiting(application=application, what="decision", since=max(submitted_at))
            )
    for pipeline in by_job.values():
        pipeline.waiting.sort(key=lambda w: (w.since, w.application.pk))

    state_labels = dict(FeedbackLetter.Status.choices)
    for row in (
        FeedbackLetter.objects.filter(application__job_id__in=ids)
        .values("application__job_id", "status")
        .annotate(n=Count("id"))
        .order_by("application__job_id", "status")
    ):
        by_job[row["application__job_id"]].letter_counts.append((state_labels[row["status"]], row["n"]))
    for letter in (
        FeedbackLetter.objects.filter(application__job_id__in=ids, status__in=LETTERS_LISTED)
        .select_related("application__candidate")
        .order_by("deadline", "id")
    ):
        by_job[letter.application.job_id].letters.append(letter)
    return [by_job[job.pk] for job in jobs]
