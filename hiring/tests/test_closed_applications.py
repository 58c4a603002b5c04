"""Nothing more is recorded on a closed application, or on any application of an erased candidate.

Issue 12: after an erasure, open applications stayed open, so an interviewer could submit a
scorecard and record a no-hire naming the erased candidate (which drafted a new letter); and a
scorecard could be saved on an application that was already closed. Each write is refused with a
sentence shown next to the form, never a 500.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import FeedbackLetter
from feedback.privacy.services import candidate_erase
from hiring.models import Application, Decision, Interview, Rating, Scorecard
from hiring.services.decisions import DecisionError, decision_record
from hiring.services.errors import HiringError
from hiring.services.interviews import interview_assign
from hiring.services.scorecards import ScorecardError, scorecard_save
from hiring.tests.factories import ApplicationFactory, InterviewerFactory, InterviewFactory, job_with_pipeline

pytestmark = pytest.mark.django_db

CLOSED = [Application.Status.REJECTED, Application.Status.HIRED, Application.Status.WITHDRAWN]


@pytest.fixture
def interview(interviewer, hiring_manager):
    job = job_with_pipeline(hiring_manager=hiring_manager)
    application = ApplicationFactory(
        job=job, candidate__name="Rosa Rossi", current_stage=job.stages.order_by("position").first()
    )
    return InterviewFactory(application=application, interviewer=interviewer, stage=application.current_stage)


def _close(application, status=Application.Status.REJECTED):
    Application.objects.filter(pk=application.pk).update(status=status, closed_at=timezone.now())
    application.refresh_from_db()


def _ratings(interview, evidence="Rosa did not handle bursts."):
    return [
        {"criterion": c, "score": 2, "evidence": evidence, "shareable_note": ""}
        for c in interview.stage.criteria.all()
    ]


def _scorecard_post(interview, action="submit"):
    data = {"action": action, "recommendation": "no", "summary": ""}
    for c in interview.stage.criteria.all():
        data[f"c{c.pk}-score"] = "2"
        data[f"c{c.pk}-evidence"] = "Rosa did not handle bursts."
        data[f"c{c.pk}-shareable_note"] = ""
    return data


def _no_hire_post(interview):
    criterion = interview.stage.criteria.first()
    return {
        "outcome": "no_hire",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-criterion": criterion.pk,
        "points-0-observation": "Rosa Rossi ignored bursts.",
        "points-0-suggestion": "Compare a token bucket.",
    }


# Closed applications -------------------------------------------------------------------


@pytest.mark.parametrize("status", CLOSED)
@pytest.mark.parametrize("submit", [False, True])
def test_scorecard_cannot_be_saved_or_submitted_on_a_closed_application(
    interview, interviewer, status, submit
):
    _close(interview.application, status)
    with pytest.raises(ScorecardError) as refused:
        scorecard_save(
            interview=interview,
            by=interviewer,
            ratings=_ratings(interview),
            recommendation="no",
            submit=submit,
        )
    assert "This application is closed" in refused.value.message
    assert not Scorecard.objects.filter(interview=interview).exists()
    assert not Rating.objects.exists()


def test_draft_scorecard_of_a_closed_application_stays_as_it_was(interview, interviewer):
    scorecard_save(interview=interview, by=interviewer, ratings=_ratings(interview, "First draft."))
    _close(interview.application)
    with pytest.raises(ScorecardError):
        scorecard_save(
            interview=interview, by=interviewer, ratings=_ratings(interview, "Second."), submit=True
        )
    card = Scorecard.objects.get(interview=interview)
    assert card.status == Scorecard.Status.DRAFT
    assert set(card.ratings.values_list("evidence", flat=True)) == {"First draft."}


def test_scorecard_page_of_a_closed_application_shows_the_refusal_not_a_500(client, interview, interviewer):
    _close(interview.application)
    client.force_login(interviewer)
    response = client.post(reverse("hiring:scorecard", args=[interview.pk]), _scorecard_post(interview))
    assert response.status_code == 200
    assert "This application is closed (Not hired)" in response.content.decode()
    assert not Scorecard.objects.filter(interview=interview).exists()


def test_scorecard_on_an_open_application_still_saves_and_submits(interview, interviewer):
    card = scorecard_save(
        interview=interview, by=interviewer, ratings=_ratings(interview), recommendation="no", submit=True
    )
    assert card.status == Scorecard.Status.SUBMITTED


@pytest.mark.parametrize("status", CLOSED)
def test_interview_cannot_be_assigned_on_a_closed_application(interview, hr_user, status):
    _close(interview.application, status)
    with pytest.raises(HiringError, match="closed"):
        interview_assign(
            application=interview.application,
            stage=interview.stage,
            interviewer=InterviewerFactory(),
            by=hr_user,
        )


# Erased candidates -----------------------------------------------------------------------


def test_erasing_withdraws_every_open_application_and_leaves_closed_ones_as_they_were(interview, hr_user):
    candidate = interview.application.candidate
    rejected = ApplicationFactory(
        candidate=candidate, status=Application.Status.REJECTED, closed_at=timezone.now()
    )
    other_open = ApplicationFactory(candidate=candidate)
    candidate_erase(candidate=candidate, by=hr_user)
    statuses = dict(Application.objects.filter(candidate=candidate).values_list("pk", "status"))
    assert statuses == {
        interview.application_id: Application.Status.WITHDRAWN,
        other_open.pk: Application.Status.WITHDRAWN,
        rejected.pk: Application.Status.REJECTED,
    }
    assert Application.objects.filter(candidate=candidate, closed_at__isnull=True).count() == 0


def test_after_erasure_a_scorecard_is_refused_with_a_clear_message(client, interview, interviewer, hr_user):
    candidate_erase(candidate=interview.application.candidate, by=hr_user)
    with pytest.raises(ScorecardError, match="personal data has been erased"):
        scorecard_save(interview=interview, by=interviewer, ratings=_ratings(interview), recommendation="no")
    client.force_login(interviewer)
    response = client.post(reverse("hiring:scorecard", args=[interview.pk]), _scorecard_post(interview))
    assert response.status_code == 200
    assert "personal data has been erased" in response.content.decode()
    assert not Scorecard.objects.exists()


def test_after_erasure_no_hire_is_refused_and_drafts_no_letter(client, interview, interviewer, hr_user):
    application = interview.application
    candidate_erase(candidate=application.candidate, by=hr_user)
    with pytest.raises(DecisionError):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome=Decision.Outcome.NO_HIRE,
            decided_by=interviewer,
            points=[
                {
                    "criterion": interview.stage.criteria.first(),
                    "observation": "Rosa ignored bursts.",
                    "suggestion": "Compare a token bucket.",
                }
            ],
        )
    client.force_login(interviewer)
    response = client.post(reverse("hiring:decision_create", args=[application.pk]), _no_hire_post(interview))
    assert response.status_code == 403  # the decision page's refusal, with the reason
    assert "This application is closed (Withdrawn)" in response.content.decode()
    assert not Decision.objects.exists()
    assert not FeedbackLetter.objects.exists()


def test_decision_on_an_erased_candidates_application_is_refused_even_if_it_were_open(interview, interviewer):
    """Erasure withdraws open applications; should one be open all the same, the service still refuses."""
    application = interview.application
    type(application.candidate).objects.filter(pk=application.candidate_id).update(erased_at=timezone.now())
    application.refresh_from_db()
    with pytest.raises(DecisionError, match="personal data has been erased"):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome=Decision.Outcome.ADVANCE,
            decided_by=interviewer,
            points=[],
        )
    with pytest.raises(ScorecardError, match="personal data has been erased"):
        scorecard_save(interview=interview, by=interviewer, ratings=_ratings(interview))
    assert not Decision.objects.exists()


def test_after_erasure_no_interviewer_can_be_assigned(client, interview, hr_user):
    application = interview.application
    candidate_erase(candidate=application.candidate, by=hr_user)
    newcomer = InterviewerFactory(first_name="Nina", last_name="New")
    with pytest.raises(HiringError, match="personal data has been erased"):
        interview_assign(application=application, stage=interview.stage, interviewer=newcomer, by=hr_user)
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:interview_assign", args=[application.pk]),
        {"stage": interview.stage_id, "interviewer": newcomer.pk},
    )
    assert response.status_code == 200
    assert "personal data has been erased" in response.content.decode()
    assert not Interview.objects.filter(interviewer=newcomer).exists()
