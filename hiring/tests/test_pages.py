import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import FeedbackLetter, ReapplyAnswer
from hiring.models import Application, Decision, Interview, Scorecard
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    InterviewFactory,
    RatingFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(interviewer, hiring_manager):
    job = job_with_pipeline(hiring_manager=hiring_manager)
    application = ApplicationFactory(job=job, candidate__name="Dana Doe")
    return InterviewFactory(application=application, interviewer=interviewer)


def _scorecard_post(interview, action, score="2", evidence="Did not handle bursts.", recommendation="no"):
    data = {"action": action, "recommendation": recommendation, "summary": ""}
    for c in interview.stage.criteria.all():
        data[f"c{c.pk}-score"] = score
        data[f"c{c.pk}-evidence"] = evidence
        data[f"c{c.pk}-shareable_note"] = "Compare a token bucket."
    return data


def test_my_interviews_lists_waiting_and_upcoming_with_a_link_to_the_scorecard(
    client, interviewer, interview
):
    future = InterviewFactory(
        interviewer=interviewer,
        application=ApplicationFactory(job=interview.application.job, candidate__name="Eve Early"),
        scheduled_at=timezone.now() + dt.timedelta(days=3),
    )
    client.force_login(interviewer)
    page = client.get(reverse("hiring:my_interviews")).content.decode()
    waiting, upcoming = page.split("Upcoming</h2>")
    assert "Dana Doe" in waiting and reverse("hiring:scorecard", args=[interview.pk]) in waiting
    assert "Eve Early" in upcoming and reverse("hiring:scorecard", args=[future.pk]) in upcoming
    assert interview.stage.name in waiting and interview.application.job.title in waiting


def test_submitted_interview_leaves_my_list(client, interviewer, interview):
    ScorecardFactory(
        interview=interview, status="submitted", recommendation="yes", submitted_at=timezone.now()
    )
    client.force_login(interviewer)
    assert "Dana Doe" not in client.get(reverse("hiring:my_interviews")).content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_my_interviews_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, rows):
    person = InterviewerFactory()
    job = job_with_pipeline()
    for i in range(rows):
        InterviewFactory(
            interviewer=person,
            application=ApplicationFactory(job=job),
            scheduled_at=timezone.now() + dt.timedelta(days=(i % 2) * 2 - 1),
        )
    client.force_login(person)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("hiring:my_interviews"))
    assert response.content.decode().count("Scorecard<span") == rows


def test_my_interviews_shows_25_per_list_oldest_first_with_a_link_to_the_rest(
    client, django_assert_max_num_queries
):
    person = InterviewerFactory()
    job = job_with_pipeline()
    now = timezone.now()
    waiting = [
        InterviewFactory(
            interviewer=person,
            application=ApplicationFactory(job=job, candidate__name=f"Past {i:02d}"),
            scheduled_at=now - dt.timedelta(days=40 - i),
        )
        for i in range(30)
    ]
    client.force_login(person)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("hiring:my_interviews")).content.decode()

    assert page.count("Scorecard<span") == 25
    assert page.index("Past 00") < page.index("Past 24")
    assert "Past 25" not in page
    assert "5 more" in page
    full_list = reverse("hiring:my_interviews_section", args=["waiting"])
    assert f'href="{full_list}"' in page

    rest = client.get(full_list).content.decode()
    assert rest.count("Scorecard<span") == 30
    assert reverse("hiring:scorecard", args=[waiting[29].pk]) in rest


def test_my_interviews_full_list_pages_by_50(client):
    person = InterviewerFactory()
    job = job_with_pipeline()
    for i in range(55):
        InterviewFactory(
            interviewer=person,
            application=ApplicationFactory(job=job),
            scheduled_at=timezone.now() + dt.timedelta(days=1 + i),
        )
    client.force_login(person)
    url = reverse("hiring:my_interviews_section", args=["upcoming"])

    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()

    assert first.count("Scorecard<span") == 50 and "Page 1 of 2" in first
    assert second.count("Scorecard<span") == 5


def test_managed_list_is_only_for_hiring_managers(client, interviewer, hiring_manager):
    job = job_with_pipeline(hiring_manager=hiring_manager)
    ApplicationFactory(job=job, candidate__name="Managed Mo")
    url = reverse("hiring:my_interviews_section", args=["managed"])

    client.force_login(interviewer)
    assert client.get(url).status_code == 404
    assert client.get(reverse("hiring:my_interviews_section", args=["nonsense"])).status_code == 404
    client.force_login(hiring_manager)
    assert "Managed Mo" in client.get(url).content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_hiring_manager_home_query_count_does_not_grow(
    client, django_assert_max_num_queries, hiring_manager, rows
):
    job = job_with_pipeline(hiring_manager=hiring_manager)
    for _ in range(rows):
        ApplicationFactory(job=job)
    client.force_login(hiring_manager)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("hiring:my_interviews"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_job_list_and_detail_query_counts_do_not_grow(client, hr_user, django_assert_max_num_queries, rows):
    jobs = [job_with_pipeline() for _ in range(rows)]
    for _ in range(rows):
        ApplicationFactory(job=jobs[0])
    client.force_login(hr_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("hiring:job_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("hiring:job_detail", args=[jobs[0].pk])).status_code == 200


def test_scorecard_submit_with_gaps_shows_errors_next_to_fields_and_saves_nothing(
    client, interviewer, interview
):
    client.force_login(interviewer)
    url = reverse("hiring:scorecard", args=[interview.pk])
    response = client.post(url, _scorecard_post(interview, "submit", evidence="", recommendation=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Say what the candidate said or did.") == 2
    assert "Choose an overall recommendation before submitting." in page
    assert not Scorecard.objects.filter(interview=interview, status="submitted").exists()


def test_scorecard_submit_locks_and_offers_the_decision(client, interviewer, interview):
    client.force_login(interviewer)
    url = reverse("hiring:scorecard", args=[interview.pk])
    assert client.post(url, _scorecard_post(interview, "save")).status_code == 302
    assert client.post(url, _scorecard_post(interview, "submit")).status_code == 302
    page = client.get(url).content.decode()
    assert "locked" in page
    assert reverse("hiring:decision_create", args=[interview.application_id]) in page
    # A POST to a locked scorecard changes nothing.
    client.post(url, _scorecard_post(interview, "save", score="4"))
    assert set(interview.scorecard.ratings.values_list("score", flat=True)) == {2}


def test_decision_form_proposes_my_low_ratings(client, interviewer, interview):
    card = ScorecardFactory(interview=interview)
    criterion = interview.stage.criteria.first()
    RatingFactory(scorecard=card, criterion=criterion, score=1, evidence="Ignored the boundary burst.")
    client.force_login(interviewer)
    page = client.get(reverse("hiring:decision_create", args=[interview.application_id])).content.decode()
    assert "Ignored the boundary burst." in page
    assert 'name="points-TOTAL_FORMS" value="1"' in page


def test_no_hire_with_two_points_drafts_the_letter(client, interviewer, interview):
    application = interview.application
    c1, c2 = interview.stage.criteria.all()
    client.force_login(interviewer)
    response = client.post(
        reverse("hiring:decision_create", args=[application.pk]),
        {
            "outcome": "no_hire",
            "points-TOTAL_FORMS": "3",
            "points-INITIAL_FORMS": "0",
            "points-0-criterion": c1.pk,
            "points-0-observation": "Did not handle bursts.",
            "points-0-suggestion": "Compare a token bucket.",
            # Row 1 was removed in the browser: the gap is ignored.
            "points-2-criterion": c2.pk,
            "points-2-observation": "Explained the design only after prompting.",
            "points-2-suggestion": "Lead with the overall shape, then the details.",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(application=application)
    assert decision.outcome == "no_hire"
    assert decision.points.count() == 2
    assert FeedbackLetter.objects.filter(decision=decision).exists()
    follow = client.get(response["Location"]).content.decode()
    assert "feedback letter was drafted" in follow


def test_no_hire_without_points_explains_what_is_missing(client, interviewer, interview):
    client.force_login(interviewer)
    response = client.post(
        reverse("hiring:decision_create", args=[interview.application_id]),
        {"outcome": "no_hire", "points-TOTAL_FORMS": "1", "points-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert "needs at least one feedback point" in response.content.decode()
    assert not Decision.objects.exists()


def test_point_without_suggestion_is_marked_on_its_row(client, interviewer, interview):
    client.force_login(interviewer)
    criterion = interview.stage.criteria.first()
    response = client.post(
        reverse("hiring:decision_create", args=[interview.application_id]),
        {
            "outcome": "no_hire",
            "points-TOTAL_FORMS": "1",
            "points-INITIAL_FORMS": "0",
            "points-0-criterion": criterion.pk,
            "points-0-observation": "Did not handle bursts.",
        },
    )
    page = response.content.decode()
    assert "Say what would have been stronger." in page
    assert 'id="id_points-0-suggestion"' in page and "is-invalid" in page


def test_decision_on_closed_application_is_refused_with_a_message(client, interviewer, interview):
    application = interview.application
    application.status = Application.Status.REJECTED
    application.closed_at = timezone.now()
    application.save()
    client.force_login(interviewer)
    response = client.get(reverse("hiring:decision_create", args=[application.pk]))
    assert response.status_code == 403
    assert "This application is closed" in response.content.decode()


def test_add_point_row_returns_the_next_row_and_the_new_total(client, interviewer, interview):
    client.force_login(interviewer)
    url = reverse("hiring:decision_point_row", args=[interview.application_id])
    page = client.get(url, {"points-TOTAL_FORMS": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="points-2-observation"' in page
    assert 'value="3"' in page and 'hx-swap-oob="true"' in page


def test_hr_can_open_an_application_and_assign_a_panel(client, hr_user, interviewer):
    from candidates.tests.factories import CandidateFactory

    candidate = CandidateFactory()
    job = job_with_pipeline()
    client.force_login(hr_user)
    response = client.post(reverse("hiring:application_create", args=[candidate.pk]), {"job": job.pk})
    application = Application.objects.get(candidate=candidate)
    assert response["Location"] == reverse("hiring:interview_assign", args=[application.pk])
    response = client.post(
        response["Location"],
        {
            "stage": application.current_stage_id,
            "interviewer": interviewer.pk,
            # Interviews are scheduled at most two years ahead (hiring.services.interviews).
            "scheduled_at": f"{timezone.localdate() + dt.timedelta(days=40):%Y-%m-%d}T10:00",
        },
    )
    assert response.status_code == 302
    interview = Interview.objects.get(application=application)
    assert interview.interviewer == interviewer
    assert timezone.localtime(interview.scheduled_at).hour == 10


def test_assigning_a_previous_interviewer_shows_the_refusal_next_to_the_field(client, hr_user):
    job = job_with_pipeline()
    earlier = ApplicationFactory(job=job, status="rejected", closed_at=timezone.now())
    veteran = InterviewerFactory(first_name="Vera", last_name="Veteran")
    InterviewFactory(application=earlier, interviewer=veteran)
    again = ApplicationFactory(job=job, candidate=earlier.candidate, previous=earlier, source="reapply")
    client.force_login(hr_user)
    url = reverse("hiring:interview_assign", args=[again.pk])
    page = client.get(url).content.decode()
    assert "Vera Veteran" in page and "interviewed them in an earlier application" in page
    response = client.post(url, {"stage": again.current_stage_id, "interviewer": veteran.pk})
    assert "Vera Veteran interviewed this candidate before" in response.content.decode()
    assert not again.interviews.exists()
    response = client.post(
        url, {"stage": again.current_stage_id, "interviewer": veteran.pk, "override_reason": "Only expert."}
    )
    assert response.status_code == 302
    assert again.interviews.get().panel_override_reason == "Only expert."


def test_application_page_shows_the_earlier_feedback_and_the_candidates_answers(client, hr_user):
    job = job_with_pipeline()
    earlier = ApplicationFactory(job=job)
    decision = DecisionFactory(application=earlier, outcome="no_hire")
    point = FeedbackPointFactory(decision=decision, observation="Skipped the failure cases.")
    earlier.status = "rejected"
    earlier.closed_at = timezone.now()
    earlier.save()
    again = ApplicationFactory(job=job, candidate=earlier.candidate, previous=earlier, source="reapply")
    ReapplyAnswer.objects.create(application=again, point=point, text="Built a chaos-testing side project.")
    client.force_login(hr_user)
    page = client.get(reverse("hiring:application_detail", args=[again.pk])).content.decode()
    assert "Earlier applications" in page
    assert "Skipped the failure cases." in page
    assert "Built a chaos-testing side project." in page


@pytest.mark.parametrize("answers", [1, 4])
def test_application_page_query_count_does_not_grow_with_the_candidates_answers(
    client, interviewer, django_assert_max_num_queries, answers
):
    job = job_with_pipeline()
    earlier = ApplicationFactory(job=job, status="rejected", closed_at=timezone.now())
    decision = DecisionFactory(application=earlier, outcome="no_hire")
    again = ApplicationFactory(job=job, candidate=earlier.candidate, previous=earlier, source="reapply")
    for i in range(answers):
        point = FeedbackPointFactory(decision=decision, observation=f"Observation {i}.")
        ReapplyAnswer.objects.create(application=again, point=point, text=f"Worked on it {i}.")
    InterviewFactory(application=again, interviewer=interviewer)
    client.force_login(interviewer)

    client.get(reverse("hiring:application_detail", args=[again.pk]))  # warm-up: per-process caches
    with django_assert_max_num_queries(13):
        page = client.get(reverse("hiring:application_detail", args=[again.pk])).content.decode()

    assert page.count("Worked on it") == answers


def test_application_page_hides_colleagues_scorecards_until_mine_is_in(
    client, interviewer, other_interviewer, interview
):
    theirs = InterviewFactory(application=interview.application, interviewer=other_interviewer)
    card = ScorecardFactory(
        interview=theirs, status="submitted", recommendation="strong_no", submitted_at=timezone.now()
    )
    RatingFactory(
        scorecard=card, criterion=interview.stage.criteria.first(), evidence="Secret colleague evidence."
    )
    client.force_login(interviewer)
    url = reverse("hiring:application_detail", args=[interview.application_id])
    page = client.get(url).content.decode()
    assert "Secret colleague evidence." not in page
    assert "hidden until you have submitted your own" in page
    ScorecardFactory(
        interview=interview, status="submitted", recommendation="no", submitted_at=timezone.now()
    )
    assert "Secret colleague evidence." in client.get(url).content.decode()


def test_hr_builds_a_job_pipeline_with_htmx(client, hr_user):
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:job_create"),
        {
            "title": "Platform Engineer",
            "status": "open",
            "reapply_cooldown_days": 182,
            "feedback_deadline_days": 5,
        },
    )
    job_url = response["Location"]
    job_pk = int(job_url.rstrip("/").split("/")[-2])
    add = reverse("hiring:stage_add", args=[job_pk])
    for name in ("Resume review", "Phone screen", "Onsite"):
        partial = client.post(
            add, {"new-stage-name": name, "new-stage-interviews_planned": "1"}, HTTP_HX_REQUEST="true"
        )
        assert partial.status_code == 200 and "<html" not in partial.content.decode()
    from hiring.models import Job

    job = Job.objects.get(pk=job_pk)
    onsite = job.stages.get(name="Onsite")
    client.post(reverse("hiring:stage_move", args=[onsite.pk]), {"direction": "up"}, HTTP_HX_REQUEST="true")
    partial = client.post(
        reverse("hiring:criterion_add", args=[onsite.pk]),
        {
            f"new-criterion-{onsite.pk}-name": "System design",
            f"new-criterion-{onsite.pk}-guidance": "Trade-offs",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "System design" in partial
    assert list(job.stages.order_by("position").values_list("name", flat=True)) == [
        "Resume review",
        "Onsite",
        "Phone screen",
    ]


def test_blank_stage_name_is_reported_in_the_editor(client, hr_user):
    job = job_with_pipeline()
    client.force_login(hr_user)
    partial = client.post(
        reverse("hiring:stage_add", args=[job.pk]),
        {"new-stage-name": "", "new-stage-interviews_planned": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "This field is required." in partial
    assert job.stages.count() == 3
