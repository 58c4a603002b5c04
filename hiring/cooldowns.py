"""The reapply cool-down: from when a candidate who was not hired may apply to the same job again.

The one home of the rule (docs/architecture.md, "the reapply date"):

- **The rule** (``cooldown_rule_date``): the date of the no-hire decision, in the
  organisation's time zone, plus the job's ``reapply_cooldown_days`` (calendar days).
- **The promise**: once the candidate's letter is approved, the date it states is fixed.
  feedback stores it (``FeedbackLetter.reapply_on``); hiring does not import feedback, so it
  asks through ``hiring.hooks.promised_reapply_dates``, where feedback registers its source.
  ``reapply_dates`` returns the promised date where there is one, else the rule's.
- **The moment**: the cool-down is over from midnight of that date in the candidate's time
  zone (``candidates.selectors.candidate_tz``), the moment the candidate's reapply form opens.

Every path that opens an application (HR's form, the CSV import, the candidate's reapply
form, and the API) calls ``hiring.services.applications.application_open``, which refuses
while a cool-down for the same job is active (``CooldownActive``), unless HR gives a reason.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from candidates.selectors import candidate_tz
from core.dates import org_tz
from hiring import hooks
from hiring.models import Decision


def human_date(day: dt.date) -> str:
    """'31 August 2026' (English, like the rest of the HR pages)."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Cooldown:
    """An active cool-down: ``candidate`` may apply to ``job`` again from ``ends_on``."""

    candidate: object
    job: object
    ends_on: dt.date
    decision_id: int

    @property
    def sentence(self) -> str:
        """ "Rosa Rossi may apply again to Backend Engineer from 31 August 2026." """
        return f"{self.candidate.name} may apply again to {self.job.title} from {human_date(self.ends_on)}."


def cooldown_rule_date(*, decision: Decision) -> dt.date:
    """The rule alone: the decision's date (organisation's time zone) plus the job's cool-down.

    ``decision``: a no-hire; reads ``decision.application.job.reapply_cooldown_days`` (calendar
    days, 0 to 3,650) as it is now. feedback uses it for a letter not yet approved.
    """
    return cooldown_end(
        decided_at=decision.decided_at, cooldown_days=decision.application.job.reapply_cooldown_days
    )


def cooldown_end(*, decided_at: dt.datetime, cooldown_days: int) -> dt.date:
    """The rule from its two values: the date of ``decided_at`` (aware) in the organisation's
    time zone plus ``cooldown_days`` calendar days. The one home of the rule: feedback's
    ``letters.progress.reapply_on`` / ``reapply_day`` call it."""
    return decided_at.astimezone(org_tz()).date() + dt.timedelta(days=cooldown_days)


def reapply_dates(decisions: Iterable[Decision]) -> dict[int, dt.date]:
    """``{decision id: first day the candidate may apply again}`` for no-hire ``decisions``.

    The date the candidate's approved letter promised (``hiring.hooks.promised_reapply_dates``)
    where there is one, else ``cooldown_rule_date``. One call to the hook for all of them.
    """
    decisions = list(decisions)
    promised = hooks.promised_reapply_dates(decision_ids=[d.pk for d in decisions])
    return {d.pk: promised.get(d.pk) or cooldown_rule_date(decision=d) for d in decisions}


def cooldown_over(*, candidate, ends_on: dt.date, now: dt.datetime | None = None) -> bool:
    """Whether ``now`` (default: now) is at or after midnight of ``ends_on`` in the candidate's zone."""
    opens_at = dt.datetime.combine(ends_on, dt.time(0), tzinfo=candidate_tz(candidate))
    return (now or timezone.now()) >= opens_at


def active_cooldowns(pairs: Iterable[tuple], *, now: dt.datetime | None = None) -> dict[tuple, Cooldown]:
    """The cool-downs still running for ``pairs`` of (candidate, job), keyed ``(candidate id, job id)``.

    A pair's cool-down comes from the candidate's no-hire decisions on applications to that
    job (the latest date wins). Pairs without one are left out. Two queries (decisions, and
    feedback's promised dates) whatever the number of pairs.
    """
    wanted = {(c.pk, j.pk): (c, j) for c, j in pairs if c is not None and c.pk and j is not None}
    if not wanted:
        return {}
    decisions = Decision.objects.filter(
        outcome=Decision.Outcome.NO_HIRE,
        application__candidate_id__in={c for c, _ in wanted},
        application__job_id__in={j for _, j in wanted},
    ).select_related("application__job")
    decisions = [d for d in decisions if (d.application.candidate_id, d.application.job_id) in wanted]
    dates = reapply_dates(decisions)
    found: dict[tuple, Cooldown] = {}
    for decision in decisions:
        key = (decision.application.candidate_id, decision.application.job_id)
        candidate, job = wanted[key]
        ends_on = dates[decision.pk]
        if cooldown_over(candidate=candidate, ends_on=ends_on, now=now):
            continue
        if key not in found or found[key].ends_on < ends_on:
            found[key] = Cooldown(candidate=candidate, job=job, ends_on=ends_on, decision_id=decision.pk)
    return found


def active_cooldown(*, candidate, job, now: dt.datetime | None = None) -> Cooldown | None:
    """The cool-down still running for ``candidate`` and ``job``, or None."""
    return active_cooldowns([(candidate, job)], now=now).get((candidate.pk, job.pk))
