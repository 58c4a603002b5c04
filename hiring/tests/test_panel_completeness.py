"""Panel completeness on the no-hire form (issue #17, item 3): who has not submitted, with
"decide anyway" (a checkbox the final decision needs) or "wait" (back to the application)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hiring.models import Application, Decision, Scorecard
from hiring.tests.factories import (
    ApplicationFactory,
    InterviewerFactory,
    InterviewFactory,
    RatingFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

OBSERVATION = "You used a fixed window and did not say how bursts at the boundary are handled."
SUGGESTION = "A stronger answer would compare a sliding window with a token bucket."


@pytest.fixture
def panel():
    application = ApplicationFactory(job=job_with_pipeline(), candidate__name="Rosa Rossi")
    decider = InterviewerFactory(first_name="Dana", last_name="Decider")
    chen = InterviewerFactory(first_name="Chen", last_name="Wu")
    InterviewFactory(application=application, interviewer=decider)
    InterviewFactory(application=application, interviewer=chen)
    return application, decider, chen


def _no_hire(client, application, **extra):
    data = {
        "outcome": "no_hire",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-criterion": str(application.current_stage.criteria.first().pk),
        "points-0-observation": OBSERVATION,
        "points-0-suggestion": SUGGESTION,
        **extra,
    }
    return client.post(reverse("hiring:decision_create", args=[application.pk]), data)


def test_a_no_hire_with_a_missing_scorecard_needs_decide_anyway(client, panel):
    application, decider, _chen = panel
    client.force_login(decider)
    page = client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()
    assert 'name="decide_anyway"' in page
    assert "Decide anyway, without the missing scorecards (Chen Wu)" in page

    response = _no_hire(client, application)
    assert response.status_code == 200
    assert "Not submitted yet: Chen Wu." in response.content.decode()
    assert not Decision.objects.filter(application=application).exists()

    response = _no_hire(client, application, decide_anyway="on")
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == Application.Status.REJECTED


def test_advancing_needs_no_confirmation(client, panel):
    application, decider, _chen = panel
    client.force_login(decider)
    response = client.post(
        reverse("hiring:decision_create", args=[application.pk]),
        {"outcome": "advance", "points-TOTAL_FORMS": "0", "points-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302


def test_a_complete_panel_asks_nothing(client, panel):
    application, decider, chen = panel
    card = ScorecardFactory(interview=chen.interviews.get(application=application))
    Scorecard.objects.filter(pk=card.pk).update(
        status="submitted", submitted_at=timezone.now(), recommendation="no"
    )
    client.force_login(decider)
    page = client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()
    assert "decide_anyway" not in page and "has not submitted" not in page
    assert _no_hire(client, application).status_code == 302


def test_wait_goes_back_to_the_application(client, panel):
    application, decider, _chen = panel
    client.force_login(decider)
    page = client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()
    wait = page.split("Wait for")[0].rsplit("<a", 1)[1]
    assert reverse("hiring:application_detail", args=[application.pk]) in wait


def test_the_proposal_sentence_only_with_own_low_ratings(client, panel):
    application, decider, chen = panel
    # A colleague's low rating is not the decider's: no proposal.
    card = ScorecardFactory(interview=chen.interviews.get(application=application))
    RatingFactory(scorecard=card, criterion=application.current_stage.criteria.first(), score=1)
    client.force_login(decider)
    page = client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()
    assert "We started from your own low ratings" not in page
    # A high own rating is not a proposal either.
    own = ScorecardFactory(interview=decider.interviews.get(application=application))
    RatingFactory(scorecard=own, criterion=application.current_stage.criteria.first(), score=4)
    page = client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()
    assert "We started from your own low ratings" not in page
