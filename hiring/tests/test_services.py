import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditEvent
from hiring.models import Application, Job, Rating, Scorecard
from hiring.services.applications import application_open
from hiring.services.errors import HiringError
from hiring.services.interviews import PanelConflict, interview_assign
from hiring.services.jobs import criterion_remove, job_create, stage_add, stage_move, stage_remove
from hiring.services.scorecards import ScorecardError, scorecard_save
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


# --- Jobs and pipelines ---


def test_job_gets_default_cooldown_and_deadline(hr_user):
    job = job_create(by=hr_user, title="Data Engineer")
    assert (job.reapply_cooldown_days, job.feedback_deadline_days) == (182, 5)


def test_only_hr_creates_jobs(interviewer):
    with pytest.raises(HiringError):
        job_create(by=interviewer, title="Sneaky")


def test_stages_are_added_in_order_and_can_be_reordered(hr_user):
    job = job_create(by=hr_user, title="SRE")
    a = stage_add(job=job, by=hr_user, name="Resume review")
    b = stage_add(job=job, by=hr_user, name="Phone screen")
    c = stage_add(job=job, by=hr_user, name="Onsite", interviews_planned=4)
    stage_move(stage=c, by=hr_user, direction=-1)
    assert list(job.stages.order_by("position").values_list("name", flat=True)) == [
        "Resume review",
        "Onsite",
        "Phone screen",
    ]
    stage_move(stage=a, by=hr_user, direction=-1)  # already first: nothing changes
    assert list(job.stages.order_by("position").values_list("pk", flat=True)) == [a.pk, c.pk, b.pk]
    assert list(job.stages.order_by("position").values_list("position", flat=True)) == [0, 1, 2]


def test_removing_a_stage_closes_the_gap(hr_user):
    job = job_create(by=hr_user, title="SRE")
    stage_add(job=job, by=hr_user, name="One")
    two = stage_add(job=job, by=hr_user, name="Two")
    stage_add(job=job, by=hr_user, name="Three")
    stage_remove(stage=two, by=hr_user)
    assert list(job.stages.order_by("position").values_list("name", "position")) == [("One", 0), ("Three", 1)]


def test_a_stage_in_use_cannot_be_removed(hr_user):
    application = ApplicationFactory(job=job_with_pipeline())
    with pytest.raises(HiringError, match="cannot be removed"):
        stage_remove(stage=application.current_stage, by=hr_user)


def test_a_rated_criterion_cannot_be_removed(hr_user):
    application = ApplicationFactory(job=job_with_pipeline())
    card = ScorecardFactory(interview=InterviewFactory(application=application))
    rating = RatingFactory(scorecard=card, criterion=application.current_stage.criteria.first())
    with pytest.raises(HiringError, match="cannot be removed"):
        criterion_remove(criterion=rating.criterion, by=hr_user)


# --- Applications ---


def test_second_open_application_to_the_same_job_is_refused(hr_user):
    job = job_with_pipeline()
    application = ApplicationFactory(job=job)
    with pytest.raises(HiringError, match="already has an open application"):
        application_open(candidate=application.candidate, job=job, by=hr_user)


def test_application_to_a_closed_job_is_refused(hr_user):
    job = job_with_pipeline(status=Job.Status.CLOSED)
    application = ApplicationFactory.build(job=job)
    with pytest.raises(HiringError, match="not open"):
        application_open(candidate=ApplicationFactory(job=job_with_pipeline()).candidate, job=job, by=hr_user)
    assert application.pk is None


# --- Panels ---


def _reapplication():
    job = job_with_pipeline()
    earlier = ApplicationFactory(job=job, status=Application.Status.REJECTED, closed_at=timezone.now())
    veteran = InterviewerFactory()
    InterviewFactory(application=earlier, interviewer=veteran)
    again = ApplicationFactory(job=job, candidate=earlier.candidate, previous=earlier, source="reapply")
    return again, veteran


def test_previous_interviewer_is_refused_on_a_reapplication(hr_user):
    again, veteran = _reapplication()
    with pytest.raises(PanelConflict) as exc:
        interview_assign(application=again, stage=again.current_stage, interviewer=veteran, by=hr_user)
    assert "interviewed this candidate before" in exc.value.message
    assert exc.value.field == "interviewer"
    assert not again.interviews.exists()


def test_hr_override_with_a_reason_is_stored_and_audited(hr_user):
    again, veteran = _reapplication()
    interview = interview_assign(
        application=again,
        stage=again.current_stage,
        interviewer=veteran,
        by=hr_user,
        override_reason="Only Rust reviewer in the company.",
    )
    assert interview.panel_override_reason == "Only Rust reviewer in the company."
    event = AuditEvent.objects.get(verb="interview.panel_override", target_id=interview.pk)
    assert event.reason == "Only Rust reviewer in the company."
    assert event.actor == hr_user


def test_fresh_interviewer_is_assigned_without_a_reason(hr_user):
    again, _ = _reapplication()
    fresh = InterviewerFactory()
    when = timezone.now() + dt.timedelta(days=2)
    interview = interview_assign(
        application=again, stage=again.current_stage, interviewer=fresh, by=hr_user, scheduled_at=when
    )
    assert interview.scheduled_at == when
    assert interview.panel_override_reason == ""
    assert not AuditEvent.objects.filter(verb="interview.panel_override").exists()


def test_assigning_the_same_interviewer_twice_is_refused(hr_user, interviewer):
    application = ApplicationFactory(job=job_with_pipeline())
    interview_assign(
        application=application, stage=application.current_stage, interviewer=interviewer, by=hr_user
    )
    with pytest.raises(HiringError, match="already on this stage's panel"):
        interview_assign(
            application=application, stage=application.current_stage, interviewer=interviewer, by=hr_user
        )


def test_hr_without_interviewer_role_cannot_be_assigned(hr_user):
    application = ApplicationFactory(job=job_with_pipeline())
    with pytest.raises(HiringError, match="Only interviewers"):
        interview_assign(
            application=application, stage=application.current_stage, interviewer=HRFactory(), by=hr_user
        )


# --- Scorecards ---


def _ratings(interview, score=2, evidence="Said X, did Y."):
    return [
        {"criterion": c, "score": score, "evidence": evidence, "shareable_note": "Try Z."}
        for c in interview.stage.criteria.all()
    ]


def test_draft_can_be_incomplete_and_edited(interviewer):
    interview = InterviewFactory(
        interviewer=interviewer, application=ApplicationFactory(job=job_with_pipeline())
    )
    card = scorecard_save(
        interview=interview, by=interviewer, ratings=_ratings(interview, score=None, evidence="")
    )
    assert card.status == Scorecard.Status.DRAFT
    card = scorecard_save(interview=interview, by=interviewer, ratings=_ratings(interview, score=3))
    assert set(card.ratings.values_list("score", flat=True)) == {3}


def test_submit_needs_every_rating_evidence_and_a_recommendation(interviewer):
    interview = InterviewFactory(
        interviewer=interviewer, application=ApplicationFactory(job=job_with_pipeline())
    )
    ratings = _ratings(interview)
    ratings[1]["evidence"] = ""
    with pytest.raises(ScorecardError) as exc:
        scorecard_save(interview=interview, by=interviewer, ratings=ratings, submit=True)
    second = interview.stage.criteria.all()[1]
    assert set(exc.value.errors) == {(second.pk, "evidence"), "recommendation"}
    assert not Rating.objects.exists()


def test_submitted_scorecard_is_locked(interviewer):
    interview = InterviewFactory(
        interviewer=interviewer, application=ApplicationFactory(job=job_with_pipeline())
    )
    card = scorecard_save(
        interview=interview, by=interviewer, ratings=_ratings(interview), recommendation="no", submit=True
    )
    assert card.locked and card.submitted_at
    with pytest.raises(ScorecardError, match="locked"):
        scorecard_save(interview=interview, by=interviewer, ratings=_ratings(interview, score=4))
    assert set(card.ratings.values_list("score", flat=True)) == {2}


def test_nobody_else_writes_my_scorecard(interviewer, other_interviewer):
    interview = InterviewFactory(
        interviewer=interviewer, application=ApplicationFactory(job=job_with_pipeline())
    )
    with pytest.raises(ScorecardError, match="Only the interviewer"):
        scorecard_save(interview=interview, by=other_interviewer, ratings=[])


def test_a_second_reapplication_from_the_same_application_is_refused():
    job = job_with_pipeline()
    earlier = ApplicationFactory(job=job, status=Application.Status.REJECTED, closed_at=timezone.now())
    application_open(candidate=earlier.candidate, job=job, by=None, source="reapply", previous=earlier)
    with pytest.raises(HiringError, match="already exists"):
        application_open(
            candidate=earlier.candidate, job=job_with_pipeline(), by=None, source="reapply", previous=earlier
        )
    assert earlier.reapplications.count() == 1
