"""hiring.services.ats: what the ATS decided, recorded by HR only, never twice."""

import pytest

from hiring.models import Scorecard
from hiring.services.ats import application_stage_set_from_ats, scorecard_import
from hiring.services.errors import HiringError
from hiring.tests.factories import ApplicationFactory, InterviewFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


def test_only_hr_moves_an_application_to_the_ats_stage(hr_user, interviewer):
    job = job_with_pipeline()
    application = ApplicationFactory(job=job)
    last = job.stages.order_by("position").last()
    with pytest.raises(HiringError):
        application_stage_set_from_ats(application=application, stage=last, by=interviewer, source="lever")
    with pytest.raises(HiringError):
        other = job_with_pipeline().stages.first()
        application_stage_set_from_ats(application=application, stage=other, by=hr_user, source="lever")
    application_stage_set_from_ats(application=application, stage=last, by=hr_user, source="lever")
    application.refresh_from_db()
    assert application.current_stage == last


def test_an_imported_scorecard_is_submitted_once_and_needs_a_recommendation(hr_user):
    interview = InterviewFactory(application=ApplicationFactory(job=job_with_pipeline()))
    criterion = interview.stage.criteria.first()
    with pytest.raises(HiringError):
        scorecard_import(interview=interview, by=hr_user, source="ashby", recommendation="", ratings=[])
    card = scorecard_import(
        interview=interview,
        by=hr_user,
        source="ashby",
        recommendation="no",
        ratings=[{"criterion": criterion, "score": 2, "evidence": "Missed the boundary case."}],
    )
    assert card.status == Scorecard.Status.SUBMITTED and card.ratings.get().score == 2
    assert (
        scorecard_import(interview=interview, by=hr_user, source="ashby", recommendation="yes", ratings=[])
        is None
    )
    card.refresh_from_db()
    assert card.recommendation == "no"
