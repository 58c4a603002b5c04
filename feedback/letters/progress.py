"""How far a candidate got, computed from the pipeline, in words.

Stages passed are the stages with an *advance* decision on the application.
At the stage of the no-hire, interviews completed are the submitted
scorecards of that stage's interviews, out of ``stage.interviews_planned``.
Where the job has at least ``COMPARISON_MINIMUM`` decided applications, the
sentence says how many in 10 of them got less far; with fewer, a number would
mislead, so it is left out.

Also the date from which the candidate may reapply (``reapply_on``), which the
letter states.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from core.dates import org_tz
from hiring.models import Decision, Scorecard, Stage

COMPARISON_MINIMUM = 20


@dataclass(frozen=True)
class Progress:
    passed: tuple[str, ...]  # names of the stages passed, in pipeline order
    stage: str  # the stage of the no-hire
    completed: int  # interviews of that stage with a submitted scorecard
    planned: int  # interviews planned at that stage
    further_than: int | None  # "further than N in 10 applicants", or None

    @property
    def sentence(self) -> str:
        return progress_sentence(self)


def _lower_first(name: str) -> str:
    """'Resume review' -> 'resume review', but 'CTO chat' stays."""
    name = " ".join(name.split())
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _join(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _interviews(stage: str, count: int) -> str:
    """'onsite' -> 'onsite interviews'; 'technical interview' -> 'technical interviews'."""
    noun = "interview" if count == 1 else "interviews"
    if stage.lower().endswith("interviews"):
        return stage if count != 1 else stage[:-1]
    if stage.lower().endswith("interview"):
        return stage if count == 1 else stage + "s"
    return f"{stage} {noun}"


def progress_sentence(progress: Progress) -> str:
    passed = [_lower_first(name) for name in progress.passed]
    stage = _lower_first(progress.stage)
    if progress.planned > 1:
        at_stage = f"completed {progress.completed} of the {progress.planned} {_interviews(stage, 2)}"
    elif progress.completed:
        at_stage = f"took part in our {stage}"
    else:
        at_stage = f"reached our {stage}"
    if passed:
        sentence = f"You made it through our {_join(passed)} and {at_stage}."
    else:
        sentence = f"You {at_stage}."
    if progress.further_than:
        sentence += f" That is further than {progress.further_than} in 10 applicants for this role."
    return sentence


def application_progress(*, decision: Decision) -> Progress:
    """The progress of the application at the time of its final decision (three queries)."""
    application = decision.application
    stage = decision.stage
    passed = tuple(
        Stage.objects.filter(
            decisions__application=application,
            decisions__outcome=Decision.Outcome.ADVANCE,
            position__lt=stage.position,
        )
        .order_by("position")
        .values_list("name", flat=True)
    )
    completed = Scorecard.objects.filter(
        interview__application=application,
        interview__stage=stage,
        status=Scorecard.Status.SUBMITTED,
    ).count()
    return Progress(
        passed=passed,
        stage=stage.name,
        completed=min(completed, stage.interviews_planned),
        planned=stage.interviews_planned,
        further_than=further_than(decision=decision),
    )


def further_than(*, decision: Decision) -> int | None:
    """N in "further than N in 10 applicants", or None with too few decided applications.

    Decided applications are those of the job with a final decision (hire or
    no-hire), this one included; "less far" means a final decision at an
    earlier stage. One aggregate query.
    """
    position = decision.stage.position
    figures = Decision.objects.filter(
        application__job_id=decision.application.job_id, outcome__in=Decision.FINAL
    ).aggregate(
        total=Count("id"),
        behind=Count("id", filter=Q(stage__position__lt=position)),
    )
    total, behind = figures["total"], figures["behind"]
    if total < COMPARISON_MINIMUM:
        return None
    # Rounded down: never claim more than the data shows. "0 in 10" says nothing.
    n = (10 * behind) // total
    return n or None


def reapply_on(*, decision: Decision) -> dt.date:
    """The first day the candidate may apply again: the decision's date plus the job's cool-down.

    The one home of this rule. The date of the decision is taken in the organisation's
    time zone; ``job.reapply_cooldown_days`` are calendar days. The letter's text, the
    candidate's page, the calendar file, the reapply form and the reminder all use it
    (``feedback.portal.selectors.reapply_date`` finds a letter's decision and calls it).
    Reads ``decision.application.job``.
    """
    decided_on = decision.decided_at.astimezone(org_tz()).date()
    return decided_on + dt.timedelta(days=decision.application.job.reapply_cooldown_days)


def human_date(day: dt.date) -> str:
    """'Monday 3 August 2026' (English, like the rest of the letter)."""
    return f"{day:%A} {day.day} {day:%B %Y}"
