"""The decider's "questions for me" (issue #17, item 6) name the candidate and link to the
application and to the decider's own scorecard."""

import pytest
from django.urls import reverse

from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter
from hiring.tests.factories import HiringManagerFactory, InterviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked():
    letter = make_letter()
    application = letter.application
    interview = InterviewFactory(
        application=application, interviewer=letter.decision.decided_by, stage=letter.decision.stage
    )
    request = request_services.request_create(
        letter=letter, question="What would a strong design answer include?"
    )
    return letter, request, interview


def test_the_list_names_the_candidate_and_links_to_application_and_own_scorecard(client, asked):
    letter, request, interview = asked
    client.force_login(letter.decision.decided_by)
    page = client.get(reverse("requests:mine")).content.decode()
    assert letter.application.candidate.name in page
    assert reverse("hiring:application_detail", args=[letter.application_id]) in page
    assert reverse("hiring:scorecard", args=[interview.pk]) in page
    assert f"My scorecard ({interview.stage.name})" in page


def test_the_answer_page_has_the_same_links(client, asked):
    letter, request, interview = asked
    client.force_login(letter.decision.decided_by)
    page = client.get(reverse("requests:answer", args=[request.pk])).content.decode()
    assert reverse("hiring:application_detail", args=[letter.application_id]) in page
    assert reverse("hiring:scorecard", args=[interview.pk]) in page


def test_a_manager_without_an_interview_gets_no_scorecard_link_and_query_count_is_flat(
    client, asked, django_assert_max_num_queries
):
    letter, _request, interview = asked
    manager = HiringManagerFactory()
    letter.application.job.hiring_manager = manager
    letter.application.job.save()
    for _ in range(4):
        more = make_letter(job=letter.application.job)
        request_services.request_create(letter=more, question="Could you say more about the design answer?")
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("requests:mine")).content.decode()
    assert reverse("hiring:scorecard", args=[interview.pk]) not in page
    assert page.count("The application</a>") == 5
