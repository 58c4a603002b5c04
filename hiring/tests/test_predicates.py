"""The one set of "who may" rules (hiring/predicates.py), and the services refusing by them."""

import pytest
from django.core.exceptions import ValidationError

from candidates.services import candidate_create
from hiring import predicates
from hiring.models import Scorecard
from hiring.services.applications import application_open
from hiring.services.errors import HiringError
from hiring.services.imports import applications_import
from hiring.services.interviews import interview_assign
from hiring.tests.factories import (
    ApplicationFactory,
    HRFactory,
    InterviewerFactory,
    InterviewFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(interviewer, hiring_manager):
    application = ApplicationFactory(job=job_with_pipeline(hiring_manager=hiring_manager))
    InterviewFactory(application=application, interviewer=interviewer)
    return application


def _submitted(interview) -> Scorecard:
    card = ScorecardFactory(interview=interview)
    card.status = Scorecard.Status.SUBMITTED
    card.recommendation = "no"
    card.submitted_at = card.updated_at
    card.save()
    return card


def test_only_hr_and_the_jobs_manager_see_all_scorecards(application, interviewer, hiring_manager):
    job = application.job
    assert predicates.sees_all_scorecards(HRFactory(), job)
    assert predicates.sees_all_scorecards(hiring_manager, job)
    assert not predicates.sees_all_scorecards(interviewer, job)


def test_a_colleagues_scorecard_is_hidden_until_mine_is_submitted(
    application, interviewer, other_interviewer
):
    theirs = _submitted(InterviewFactory(application=application, interviewer=other_interviewer))
    mine = ScorecardFactory(interview=application.interviews.get(interviewer=interviewer))
    assert predicates.can_see_scorecard(interviewer, mine)
    assert not predicates.can_see_scorecard(interviewer, theirs)
    assert not predicates.can_see_scorecard(other_interviewer, mine)  # a draft is its writer's only
    mine.status, mine.recommendation, mine.submitted_at = Scorecard.Status.SUBMITTED, "yes", mine.updated_at
    mine.save()
    assert predicates.can_see_scorecard(interviewer, theirs)


def test_hr_decides_only_when_on_the_panel(application):
    hr = HRFactory()
    assert not predicates.can_decide(hr, application)
    InterviewFactory(application=application, interviewer=hr)
    assert predicates.can_decide(hr, application)


def test_nobody_but_hr_opens_an_application(application, interviewer, hiring_manager):
    job = job_with_pipeline()
    for user in (interviewer, hiring_manager):
        with pytest.raises(HiringError, match="Only HR can open applications"):
            application_open(candidate=application.candidate, job=job, by=user)
    with pytest.raises(HiringError, match="Only HR"):
        application_open(candidate=application.candidate, job=job, by=None)


def test_nobody_but_hr_assigns_interviewers(application, hiring_manager):
    with pytest.raises(HiringError, match="Only HR can assign interviewers"):
        interview_assign(
            application=application,
            stage=application.current_stage,
            interviewer=InterviewerFactory(),
            by=hiring_manager,
        )


def test_nobody_but_hr_imports(application, interviewer):
    text = f"name,email,job\nAna,ana@example.com,{application.job.pk}\n"
    with pytest.raises(HiringError, match="Only HR can import"):
        applications_import(text=text, by=interviewer)


def test_nobody_but_hr_adds_candidates(interviewer):
    with pytest.raises(ValidationError, match="Only HR can add candidates"):
        candidate_create(by=interviewer, name="Ana", email="ana@example.com")
