"""A no-hire drafts one letter: greeting, progress, points, reapply date, sign-off, deadline."""

import datetime as dt

import pytest
from django.utils import timezone

from core.audit import audit_for
from core.dates import org_tz
from feedback.letters.progress import Progress, application_progress, progress_sentence
from feedback.letters.services import LetterStateError, letter_draft
from feedback.models import FeedbackLetter
from hiring.models import Decision, Scorecard, Stage
from hiring.tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    InterviewFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=org_tz())


def onsite_job(**kwargs):
    job = job_with_pipeline(stages=("Resume review", "Phone screen", "Onsite", "Final"), **kwargs)
    Stage.objects.filter(job=job, name="Onsite").update(interviews_planned=4)
    return job


def no_hire(job, *, at="Onsite", submitted=0, decided_at=None, decided_by=None, with_point=True):
    """An application that advanced through every stage before `at`, then a no-hire there."""
    decided_at = decided_at or timezone.now()
    application = ApplicationFactory(job=job)
    for stage in job.stages.order_by("position"):
        if stage.name == at:
            break
        DecisionFactory(
            application=application,
            stage=stage,
            outcome=Decision.Outcome.ADVANCE,
            decided_at=decided_at - dt.timedelta(days=7),
        )
    stage = job.stages.get(name=at)
    application.current_stage = stage
    application.save()
    for _ in range(submitted):
        ScorecardFactory(
            interview=InterviewFactory(application=application, stage=stage),
            status=Scorecard.Status.SUBMITTED,
            recommendation=Scorecard.Recommendation.NO,
            submitted_at=decided_at,
        )
    decision = DecisionFactory(
        application=application,
        stage=stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_at=decided_at,
        decided_by=decided_by or InterviewerFactory(first_name="Alice", last_name="Ito"),
    )
    if with_point:
        FeedbackPointFactory(decision=decision)
    return decision


def test_no_hire_drafts_one_letter_and_drafting_again_returns_it():
    decision = no_hire(onsite_job(), submitted=2)

    first = letter_draft(decision=decision)
    second = letter_draft(decision=decision)

    assert first.pk == second.pk
    assert FeedbackLetter.objects.filter(decision=decision).count() == 1
    assert first.status == FeedbackLetter.Status.DRAFT
    assert [e.verb for e in audit_for(first)] == ["letter.drafted"]


def test_advance_decision_drafts_no_letter():
    job = onsite_job()
    decision = DecisionFactory(application=ApplicationFactory(job=job), outcome=Decision.Outcome.ADVANCE)

    with pytest.raises(LetterStateError):
        letter_draft(decision=decision)
    assert not FeedbackLetter.objects.exists()


def test_draft_has_greeting_progress_points_reapply_date_and_sign_off():
    job = onsite_job(title="Backend Engineer")
    decision = no_hire(job, submitted=2)
    decision.application.candidate.name = "Ada Lovelace"
    decision.application.candidate.save()

    letter = letter_draft(decision=decision)

    assert letter.subject == "Feedback on your application for Backend Engineer"
    assert letter.body.startswith("Dear Ada,")
    assert (
        "You made it through our resume review and phone screen "
        "and completed 2 of the 4 onsite interviews." in letter.body
    )
    assert "further than" not in letter.body  # too few decided applications
    assert "did not say how bursts at the window boundary are handled" in letter.body
    assert "What would have been stronger: Compare a sliding window" in letter.body
    assert "interviewed by people who did not interview you" in letter.body
    assert "Ask for more detail" in letter.body
    assert "Alice Ito, who made the decision" in letter.body
    assert letter.body.rstrip().splitlines()[-2] == "Alice Ito"
    assert "Sent on behalf of Alice by the HR team" in letter.body


def test_reapply_date_is_decision_date_plus_cooldown_in_words():
    job = onsite_job(reapply_cooldown_days=182)
    decision = no_hire(job, decided_at=local(2026, 2, 2, 10, 0))

    letter = letter_draft(decision=decision)

    assert "apply again from Monday 3 August 2026." in letter.body


def test_deadline_is_end_of_the_business_day_and_skips_the_weekend():
    job = onsite_job(feedback_deadline_days=1)
    friday = local(2026, 11, 20, 16, 0)

    letter = letter_draft(decision=no_hire(job, decided_at=friday))

    assert letter.deadline == local(2026, 11, 23, 23, 59, 59)  # Monday


def test_five_business_day_deadline_from_a_wednesday_is_next_wednesday():
    job = onsite_job(feedback_deadline_days=5)

    letter = letter_draft(decision=no_hire(job, decided_at=local(2026, 11, 18, 9, 0)))

    assert letter.deadline.astimezone(org_tz()).date() == dt.date(2026, 11, 25)


def test_message_id_is_set_once_at_draft_from_the_public_id(settings):
    settings.DEFAULT_FROM_EMAIL = "Candor <feedback@mail.example.org>"

    letter = letter_draft(decision=no_hire(onsite_job()))

    assert letter.message_id == f"<letter.{letter.public_id}@mail.example.org>"


def test_points_are_grouped_by_criterion_in_pipeline_order():
    job = onsite_job()
    decision = no_hire(job, with_point=False)
    stage = decision.stage
    design = CriterionFactory(stage=stage, name="System design", position=5)
    coding = CriterionFactory(stage=stage, name="Coding", position=6)
    FeedbackPointFactory(decision=decision, criterion=coding, position=0, observation="Coding one.")
    FeedbackPointFactory(decision=decision, criterion=design, position=1, observation="Design one.")
    FeedbackPointFactory(decision=decision, criterion=design, position=2, observation="Design two.")

    body = letter_draft(decision=decision).body

    assert body.count("System design\n") == 1 and body.count("Coding\n") == 1
    assert body.index("System design") < body.index("Design one.") < body.index("Design two.")
    assert body.index("Design two.") < body.index("Coding\n") < body.index("Coding one.")


@pytest.mark.parametrize(
    "progress, expected",
    [
        (
            Progress(("Resume review", "Phone screen"), "Onsite", 2, 4, None),
            "You made it through our resume review and phone screen "
            "and completed 2 of the 4 onsite interviews.",
        ),
        (
            Progress(("Resume review",), "Technical interview", 1, 1, None),
            "You made it through our resume review and took part in our technical interview.",
        ),
        (
            Progress(("Resume review", "Phone screen", "Take-home"), "Final", 0, 1, None),
            "You made it through our resume review, phone screen and take-home and reached our final.",
        ),
        (Progress((), "Phone screen", 1, 1, None), "You took part in our phone screen."),
        (
            Progress((), "Technical interview", 1, 3, 7),
            "You completed 1 of the 3 technical interviews. "
            "That is further than 7 in 10 applicants for this role.",
        ),
        (
            Progress(("CTO chat",), "Onsite", 4, 4, None),
            "You made it through our CTO chat and completed all 4 onsite interviews.",
        ),
        (
            Progress(("SQL exercise",), "Case interview", 2, 2, None),
            "You made it through our SQL exercise and completed both case interviews.",
        ),
        (
            Progress(("Resume review",), "Onsite", 0, 4, None),
            "You made it through our resume review and reached our onsite.",
        ),
    ],
)
def test_progress_sentence_variants(progress, expected):
    assert progress_sentence(progress) == expected


@pytest.mark.parametrize("planned", range(1, 7))
def test_progress_sentence_never_counts_all_or_none_as_n_of_the_n(planned):
    """Issue 12: "2 of the 2" (and "0 of the 4") read as nonsense; a count is given only for a part."""
    for completed in range(planned + 1):
        sentence = progress_sentence(Progress(("Resume review",), "Onsite", completed, planned, None))
        assert f"{planned} of the {planned}" not in sentence
        assert "0 of the" not in sentence
        if 0 < completed < planned:
            assert f"completed {completed} of the {planned} onsite interviews." in sentence


def test_progress_counts_submitted_scorecards_only():
    decision = no_hire(onsite_job(), submitted=3)
    ScorecardFactory(interview=InterviewFactory(application=decision.application, stage=decision.stage))

    progress = application_progress(decision=decision)

    assert (progress.completed, progress.planned) == (3, 4)
    assert progress.passed == ("Resume review", "Phone screen")


def _decided_elsewhere(job, count):
    """`count` other applications of the job, rejected at the first stage."""
    for _ in range(count):
        no_hire(job, at="Resume review", with_point=False)


def test_comparison_shown_with_twenty_decided_applications():
    job = onsite_job()
    _decided_elsewhere(job, 19)
    decision = no_hire(job, submitted=2)

    body = letter_draft(decision=decision).body

    # 19 of the 20 decided applications stopped earlier: 9.5 in 10, rounded down.
    assert "That is further than 9 in 10 applicants for this role." in body


def test_comparison_left_out_with_nineteen_decided_applications():
    job = onsite_job()
    _decided_elsewhere(job, 18)
    decision = no_hire(job, submitted=2)

    body = letter_draft(decision=decision).body

    assert "further than" not in body
    assert "completed 2 of the 4 onsite interviews." in body
