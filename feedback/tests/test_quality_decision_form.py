"""The decider sees HR's quality check live on the no-hire form, point by point, and is told who
has not submitted a scorecard for the stage yet (issue 11)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hiring.models import Scorecard
from hiring.tests.factories import (
    ApplicationFactory,
    InterviewerFactory,
    InterviewFactory,
    RatingFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

SPECIFIC_OBSERVATION = "You used a fixed window and did not say how bursts at the boundary are handled."
SPECIFIC_SUGGESTION = "A stronger answer would compare a sliding window with a token bucket."


@pytest.fixture
def panel():
    """An application at its first stage with two interviewers: the decider and Chen Wu."""
    application = ApplicationFactory(job=job_with_pipeline(), candidate__name="Rosa Rossi")
    decider = InterviewerFactory(first_name="Dana", last_name="Decider")
    chen = InterviewerFactory(first_name="Chen", last_name="Wu")
    InterviewFactory(application=application, interviewer=decider)
    InterviewFactory(application=application, interviewer=chen)
    return application, decider, chen


def form_page(client, application, user):
    client.force_login(user)
    return client.get(reverse("hiring:decision_create", args=[application.pk])).content.decode()


def check(client, application, *points):
    data = {"application": application.pk, "points-TOTAL_FORMS": str(len(points))}
    for index, (observation, suggestion) in enumerate(points):
        if observation is None:
            continue  # a row removed on the page
        data[f"points-{index}-observation"] = observation
        data[f"points-{index}-suggestion"] = suggestion
    return client.post(reverse("feedback:point_check"), data)


def test_the_decision_form_checks_each_point_live_with_hrs_check(client, panel):
    application, decider, _chen = panel
    page = form_page(client, application, decider)
    assert f'hx-post="{reverse("feedback:point_check")}"' in page
    assert 'id="points-0-check"' in page

    response = check(
        client,
        application,
        (SPECIFIC_OBSERVATION, SPECIFIC_SUGGESTION),
        ("Rosa's accent was hard to follow.", "Other candidates had more relevant experience."),
    )

    html = response.content.decode()
    assert response.status_code == 200
    # The accent, the comparison, and a suggestion with nothing concrete left once it is set aside.
    assert "The quality check finds 3 problems in your points." in html
    first, second = html.split('id="points-1-check"')
    assert 'id="points-0-check"' in first and "finding" not in first.split('id="points-0-check"')[1]
    assert 'hx-swap-oob="true"' in second
    assert '<mark class="finding finding-personal_attribute"' in second and "accent" in second
    assert "What the candidate said or did" in second and "What would have been stronger" in second
    assert "HR will have to fix or override these before the letter goes out." in second


def test_a_point_without_a_concrete_observation_is_flagged_before_hr_sees_it(client, panel):
    application, decider, _chen = panel
    client.force_login(decider)

    html = check(client, application, ("Weak.", SPECIFIC_SUGGESTION)).content.decode()

    assert "does not say what the candidate said or did" in html


def test_rows_removed_on_the_page_are_skipped_and_blank_ones_emptied(client, panel):
    application, decider, _chen = panel
    client.force_login(decider)

    html = check(
        client, application, (None, None), ("", ""), (SPECIFIC_OBSERVATION, SPECIFIC_SUGGESTION)
    ).content.decode()

    assert 'id="points-0-check"' not in html
    assert 'id="points-1-check"' in html and 'id="points-2-check"' in html
    assert "The quality check finds nothing in your points." in html


def test_someone_who_may_not_see_the_application_cannot_check_against_it(client, panel):
    application, _decider, _chen = panel
    client.force_login(InterviewerFactory())

    assert check(client, application, (SPECIFIC_OBSERVATION, SPECIFIC_SUGGESTION)).status_code == 404


def test_the_decider_is_told_who_has_not_submitted_a_scorecard_with_both_options(client, panel):
    application, decider, chen = panel

    page = form_page(client, application, decider)

    assert "Chen Wu has not submitted a scorecard for this stage yet: decide anyway, or wait." in page
    assert "You have not submitted your own scorecard for this stage yet" in page  # hers too
    assert ">Decide anyway</a>" in page
    assert reverse("hiring:application_detail", args=[application.pk]) in page.split("Decide anyway")[1][:400]

    card = ScorecardFactory(interview=chen.interviews.get(application=application))
    Scorecard.objects.filter(pk=card.pk).update(
        status="submitted", submitted_at=timezone.now(), recommendation="no"
    )
    assert "has not submitted" not in form_page(client, application, decider)


def test_proposals_come_only_from_ratings_that_exist(client, panel):
    application, decider, _chen = panel

    page = form_page(client, application, decider)
    assert "We started from your own low ratings" not in page

    interview = decider.interviews.get(application=application)
    card = ScorecardFactory(interview=interview)
    RatingFactory(scorecard=card, criterion=application.current_stage.criteria.first(), score=1)
    page = form_page(client, application, decider)
    assert "We started from your own low ratings: edit them." in page
    assert "without handling bursts at the boundary" in page
