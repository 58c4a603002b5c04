"""How far a candidate got, computed from the pipeline, in words.

Stages passed are the stages with an *advance* decision on the application.
At the stage of the no-hire, interviews completed are the submitted
scorecards of that stage's interviews, out of ``stage.interviews_planned``.
Where the job has at least ``COMPARISON_MINIMUM`` decided applications, the
sentence says how many in 10 of them got less far; with fewer, a number would
mislead, so it is left out.

Also the date from which the candidate may reapply (``reapply_on``), which the
letter states, and the date a given letter promises (``letter_reapply_on``): fixed
when the letter is approved, so that a later change of the job's cool-down moves
only the dates of letters not yet approved.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import get_language, gettext, ngettext, pgettext

from core.languages import long_date_with_weekday
from feedback.models import FeedbackLetter
from hiring.cooldowns import cooldown_end, cooldown_rule_date
from hiring.models import Decision, Scorecard, Stage

COMPARISON_MINIMUM = 20
# Letters whose reapply date is fixed: past review (approved, and since sent, failed, or
# cancelled, e.g. not emailed because the candidate unsubscribed) with the date stored at
# approval. HR's cancel puts a letter back in review: its date follows the cool-down again
# until it is approved anew.
DATE_FIXED = Q(reapply_on__isnull=False) & ~Q(status__in=FeedbackLetter.EDITABLE)


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
    # Translators: the last two items of a list of stages ("phone screen and onsite").
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(names[:-1]), "last": names[-1]}


def _english() -> bool:
    """Whether the active language is English, where stage names are made lower case and
    turned into "… interviews"; other languages quote the name as HR wrote it."""
    return (get_language() or "en").startswith("en")


def _stage_words(name: str) -> str:
    """A stage's name inside a sentence: lower-cased in English ("resume review"), else as
    written and quoted as the language quotes ("„Telefoninterview“")."""
    if _english():
        return _lower_first(name)
    # Translators: a stage's name quoted inside a sentence, e.g. „%(stage)s“ in German.
    return pgettext("stage name in a sentence", "%(stage)s") % {"stage": " ".join(name.split())}


def _interviews(stage: str, count: int) -> str:
    """'onsite' -> 'onsite interviews'; 'technical interview' -> 'technical interviews'."""
    noun = "interview" if count == 1 else "interviews"
    if stage.lower().endswith("interviews"):
        return stage if count != 1 else stage[:-1]
    if stage.lower().endswith("interview"):
        return stage if count == 1 else stage + "s"
    return f"{stage} {noun}"


def _at_stage(stage: str, completed: int, planned: int) -> str:
    """What the candidate did at the stage of the no-hire, as a verb phrase.

    ``stage``: the stage's name, already lower-cased where it should be. ``completed``:
    interviews of that stage with a submitted scorecard (0 to ``planned``); ``planned``:
    ``stage.interviews_planned`` (1 or more). A count is given only when it says something:
    "completed 2 of the 4 onsite interviews", but "completed both onsite interviews" and
    "completed all 4 onsite interviews" (never "2 of the 2"), and "reached our onsite"
    when no interview of it was completed (never "0 of the 4").
    """
    if not completed:
        # Translators: a verb phrase after "You …"; %(stage)s is the stage's name.
        return gettext("reached our %(stage)s") % {"stage": stage}
    if planned <= 1:
        return gettext("took part in our %(stage)s") % {"stage": stage}
    # English: "onsite interviews"; other languages: the quoted stage name, for the translation
    # to place (e.g. "2 der 4 Gespräche der Runde „Vor Ort“").
    values = {
        "completed": completed,
        "planned": planned,
        "interviews": _interviews(stage, 2) if _english() else stage,
    }
    if completed < planned:
        return gettext("completed %(completed)s of the %(planned)s %(interviews)s") % values
    if planned == 2:
        return gettext("completed both %(interviews)s") % values
    return gettext("completed all %(planned)s %(interviews)s") % values


def progress_sentence(progress: Progress) -> str:
    """The letter's progress sentence, e.g. "You made it through our resume review and phone
    screen and completed 2 of the 4 onsite interviews." (product step 5), with "further than
    N in 10 applicants" when ``progress.further_than`` is set."""
    passed = [_stage_words(name) for name in progress.passed]
    stage = _stage_words(progress.stage)
    at_stage = _at_stage(stage, min(progress.completed, progress.planned), progress.planned)
    if passed:
        # Plural on the number of stages passed ("our stage X" / "our stages X and Y" elsewhere).
        sentence = ngettext(
            "You made it through our %(passed)s and %(at_stage)s.",
            "You made it through our %(passed)s and %(at_stage)s.",
            len(passed),
        ) % {"passed": _join(passed), "at_stage": at_stage}
    else:
        sentence = gettext("You %(at_stage)s.") % {"at_stage": at_stage}
    if progress.further_than:
        n = progress.further_than
        sentence += " " + ngettext(
            "That is further than %(n)s in 10 applicants for this role.",
            "That is further than %(n)s in 10 applicants for this role.",
            n,
        ) % {"n": n}
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
    """The first day the candidate may apply again, by the cool-down rule as the job says now.

    The rule itself lives in hiring (``hiring.cooldowns.cooldown_rule_date``: the decision's
    date in the organisation's time zone plus the job's ``reapply_cooldown_days``, calendar
    days), which enforces it when an application is opened. A letter's date is this until the
    letter is approved, then the date fixed then (``letter_reapply_on``, which every reader of
    a letter's date uses). Reads ``decision.application.job``.
    """
    return cooldown_rule_date(decision=decision)


def reapply_day(*, decided_at: dt.datetime, cooldown_days: int) -> dt.date:
    """``reapply_on`` from its two values, for callers that read them in bulk (``hiring.cooldowns``)."""
    return cooldown_end(decided_at=decided_at, cooldown_days=cooldown_days)


def letter_reapply_on(letter: FeedbackLetter) -> dt.date:
    """The reapply date ``letter`` gives: the one place that says which date a letter promises.

    Once the letter is approved (``reapply_date_is_fixed``) it is the date stored on the
    letter at approval (``FeedbackLetter.reapply_on``, set by
    ``letter_approve`` and ``letters_bulk_approve``), whatever the job's cool-down says
    now. Before approval, and for a letter approved before the date was stored, it is
    ``reapply_on(decision=letter.decision)``: the current cool-down. The letter's text,
    the candidate's page, the ``.ics``, the reminder (due time and text) and the reapply
    form all read it (through ``feedback.portal.selectors.reapply_date``).
    """
    if reapply_date_is_fixed(letter):
        return letter.reapply_on
    return reapply_on(decision=letter.decision)


def reapply_date_is_fixed(letter: FeedbackLetter) -> bool:
    """Whether ``letter``'s reapply date was fixed by its approval (``DATE_FIXED``), no query."""
    return letter.reapply_on is not None and letter.status not in FeedbackLetter.EDITABLE


def promised_reapply_dates(*, decision_ids) -> dict[int, dt.date]:
    """hiring's source of promised reapply dates (``hiring.hooks.register_reapply_date_source``,
    registered in ``FeedbackConfig.ready()``).

    ``decision_ids``: no-hire decision ids. Returns ``{decision id: date}`` for those whose
    letter is approved with its date stored (``DATE_FIXED``); the others follow the
    cool-down rule. One query.
    """
    rows = FeedbackLetter.objects.filter(DATE_FIXED, decision_id__in=list(decision_ids)).values_list(
        "decision_id", "reapply_on"
    )
    return dict(rows)


def human_date(day: dt.date) -> str:
    """The letter's reapply date with its weekday, in the active language (the letter's):
    'Monday 3 August 2026', 'Montag, 3. August 2026' (``core.languages.long_date_with_weekday``)."""
    return long_date_with_weekday(day)
