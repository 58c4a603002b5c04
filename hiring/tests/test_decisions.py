import pytest
from django.db import IntegrityError

from core.models import AuditEvent
from feedback.models import FeedbackLetter
from hiring import predicates, selectors
from hiring.models import Application, Decision, Scorecard
from hiring.services.decisions import DecisionError, decision_record
from hiring.tests.factories import (
    ApplicationFactory,
    HRFactory,
    InterviewerFactory,
    InterviewFactory,
    RatingFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(interviewer, hiring_manager):
    job = job_with_pipeline(hiring_manager=hiring_manager)
    application = ApplicationFactory(job=job)
    InterviewFactory(application=application, interviewer=interviewer)
    return application


def _point(application, **overrides):
    point = {
        "criterion": application.current_stage.criteria.first(),
        "observation": "Used a fixed window and did not handle bursts at the boundary.",
        "suggestion": "Compare a sliding window or a token bucket and pick one.",
    }
    point.update(overrides)
    return point


def test_no_hire_closes_the_application_and_drafts_one_letter(setup, interviewer):
    application = setup
    decision = decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=interviewer,
        points=[_point(application), _point(application, observation="Second, distinct observation.")],
    )
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.closed_at is not None
    assert decision.points.count() == 2
    assert FeedbackLetter.objects.filter(decision=decision).count() == 1
    assert AuditEvent.objects.filter(verb="decision.record", target_id=decision.pk).exists()


def test_letter_failure_rolls_back_the_decision(setup, interviewer, monkeypatch):
    application = setup

    def broken(*, decision):
        raise RuntimeError("letters are down")

    monkeypatch.setattr("feedback.letters.services.letter_draft", broken)
    with pytest.raises(RuntimeError):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome=Decision.Outcome.NO_HIRE,
            decided_by=interviewer,
            points=[_point(application)],
        )
    application.refresh_from_db()
    assert application.is_open
    assert not Decision.objects.exists()


def test_advance_moves_to_the_next_stage(setup, interviewer):
    application = setup
    first = application.current_stage
    decision_record(
        application=application, stage=first, outcome="advance", decided_by=interviewer, points=[]
    )
    application.refresh_from_db()
    assert application.current_stage.position == first.position + 1
    assert application.is_open


def test_hire_marks_the_application_hired(setup, hiring_manager):
    application = setup
    decision_record(
        application=application,
        stage=application.current_stage,
        outcome="hire",
        decided_by=hiring_manager,
        points=[],
    )
    application.refresh_from_db()
    assert application.status == Application.Status.HIRED


def test_no_hire_without_points_is_refused(setup, interviewer):
    application = setup
    with pytest.raises(DecisionError) as exc:
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="no_hire",
            decided_by=interviewer,
            points=[],
        )
    assert exc.value.field == "points"
    assert "at least one feedback point" in exc.value.message
    assert not Decision.objects.exists()


def test_point_without_suggestion_is_refused_for_that_row(setup, interviewer):
    application = setup
    with pytest.raises(DecisionError) as exc:
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="no_hire",
            decided_by=interviewer,
            points=[_point(application), _point(application, suggestion="  ")],
        )
    assert exc.value.point_errors == {1: {"suggestion": "Say what would have been stronger."}}


def test_point_without_observation_is_refused(setup, interviewer):
    application = setup
    with pytest.raises(DecisionError) as exc:
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="no_hire",
            decided_by=interviewer,
            points=[_point(application, observation="")],
        )
    assert "observation" in exc.value.point_errors[0]


def test_decision_on_a_closed_application_is_refused(setup, interviewer):
    application = setup
    decision_record(
        application=application,
        stage=application.current_stage,
        outcome="no_hire",
        decided_by=interviewer,
        points=[_point(application)],
    )
    with pytest.raises(DecisionError, match="already closed"):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="hire",
            decided_by=interviewer,
            points=[],
        )


def test_second_final_decision_is_refused_by_the_database_too(setup, interviewer):
    application = setup
    decision_record(
        application=application,
        stage=application.current_stage,
        outcome="hire",
        decided_by=interviewer,
        points=[],
    )
    # Even if the service's checks were bypassed, the constraint refuses a second final decision.
    with pytest.raises(IntegrityError):
        Decision.objects.create(
            application=application,
            stage=application.job.stages.last(),
            outcome="no_hire",
            decided_by=interviewer,
            decided_at=application.closed_at,
        )


def test_someone_off_the_panel_cannot_decide(setup):
    application = setup
    outsider = InterviewerFactory()
    with pytest.raises(DecisionError, match="Only an interviewer of this stage"):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="advance",
            decided_by=outsider,
            points=[],
        )


def test_hr_cannot_decide_unless_on_the_panel(setup):
    application = setup
    hr = HRFactory()
    assert not predicates.can_decide(hr, application)
    with pytest.raises(DecisionError):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="advance",
            decided_by=hr,
            points=[],
        )


def test_advance_on_the_last_stage_is_refused(interviewer, hiring_manager):
    job = job_with_pipeline(stages=("Only stage",), hiring_manager=hiring_manager)
    application = ApplicationFactory(job=job)
    with pytest.raises(DecisionError, match="last stage"):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome="advance",
            decided_by=hiring_manager,
            points=[],
        )


def test_points_are_proposed_from_the_deciders_low_ratings(setup, interviewer):
    application = setup
    interview = application.interviews.get(interviewer=interviewer)
    card = ScorecardFactory(interview=interview)
    low, high = application.current_stage.criteria.all()
    RatingFactory(
        scorecard=card,
        criterion=low,
        score=1,
        evidence="Missed bursts.",
        shareable_note="Try a token bucket.",
    )
    RatingFactory(scorecard=card, criterion=high, score=4, evidence="Clear.")
    assert selectors.proposed_points(interviewer, application) == [
        {"criterion": low.pk, "observation": "Missed bursts.", "suggestion": "Try a token bucket."}
    ]


def test_interviewer_sees_colleagues_scorecards_only_after_submitting(setup, interviewer, other_interviewer):
    application = setup
    mine = ScorecardFactory(interview=application.interviews.get(interviewer=interviewer))
    theirs_interview = InterviewFactory(application=application, interviewer=other_interviewer)
    ScorecardFactory(
        interview=theirs_interview,
        status=Scorecard.Status.SUBMITTED,
        recommendation="no",
        submitted_at=mine.updated_at,
    )
    assert [s.interview.interviewer for s in selectors.scorecards_visible_to(interviewer, application)] == [
        interviewer
    ]
    mine.status = Scorecard.Status.SUBMITTED
    mine.recommendation = "yes"
    mine.submitted_at = mine.updated_at
    mine.save()
    visible = {s.interview.interviewer for s in selectors.scorecards_visible_to(interviewer, application)}
    assert visible == {interviewer, other_interviewer}


def test_hiring_manager_and_hr_always_see_submitted_scorecards(setup, hiring_manager, other_interviewer):
    application = setup
    interview = InterviewFactory(application=application, interviewer=other_interviewer)
    card = ScorecardFactory(interview=interview)
    card.status = Scorecard.Status.SUBMITTED
    card.recommendation = "no"
    card.submitted_at = card.updated_at
    card.save()
    assert selectors.scorecards_visible_to(hiring_manager, application) == [card]
    assert selectors.scorecards_visible_to(HRFactory(), application) == [card]
