"""Each resource, as each role: the API lists exactly what the app's selectors give that role,
answers 404 for the rest, filters, pages, and writes through the services."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from api.tests.helpers import client_for, ids, make_token
from candidates import selectors as candidate_selectors
from candidates.models import Candidate
from candidates.tests.factories import CandidateFactory
from core.models import AuditEvent
from feedback.letters import selectors as letter_selectors
from feedback.models import FeedbackRequest, ReapplyReminder
from feedback.requests import selectors as request_selectors
from hiring import selectors as hiring_selectors
from hiring.models import Application, Decision, Interview, Job
from tests.support.authz import ROLES

pytestmark = pytest.mark.django_db
STAFF = [role for role in ROLES if role != "anonymous"]


def _extras(world):
    now = timezone.now()
    reminder = ReapplyReminder.objects.create(
        application=world.rejected,
        candidate=world.rejected.candidate,
        opted_in_at=now,
        send_after=now + dt.timedelta(days=180),
    )
    request = FeedbackRequest.objects.create(
        letter=world.letter, question="What would have been stronger?", asked_at=now, deadline=now
    )
    return reminder, request


def _expected(resource: str, user) -> list[int]:
    """The ids the app's own selectors give ``user`` (what the pages show)."""
    visible = hiring_selectors.applications_visible_to(user)
    if resource == "job":
        return list(hiring_selectors.jobs_for_hr(user).values_list("pk", flat=True))
    if resource == "candidate":
        return list(candidate_selectors.candidates_for_hr(user).values_list("pk", flat=True))
    if resource == "application":
        return list(visible.values_list("pk", flat=True))
    if resource == "interview":
        return list(Interview.objects.filter(application__in=visible).values_list("pk", flat=True))
    if resource == "decision":
        return list(Decision.objects.filter(application__in=visible).values_list("pk", flat=True))
    if resource == "letter":
        return list(letter_selectors.letters_visible_to(user).values_list("pk", flat=True))
    if resource == "reminder":
        return list(ReapplyReminder.objects.values_list("pk", flat=True)) if user_is_hr(user) else []
    if resource == "request":
        if request_selectors.can_review_requests(user):
            return list(FeedbackRequest.objects.values_list("pk", flat=True))
        return list(request_selectors.requests_routed_to(user).values_list("pk", flat=True))
    raise AssertionError(resource)


def user_is_hr(user) -> bool:
    return letter_selectors.can_review_letters(user)


RESOURCES = ["job", "candidate", "application", "interview", "decision", "letter", "reminder", "request"]


@pytest.mark.parametrize("role", STAFF)
def test_each_list_shows_what_the_selectors_give_each_role(world, role):
    _extras(world)
    user = world.users[role]
    _, key = make_token(user)
    client = client_for(key)
    for resource in RESOURCES:
        got = ids(client.get(reverse(f"api:{resource}-list")))
        assert got == sorted(_expected(resource, user)), f"{resource} as {role}"
        for pk in got:
            assert client.get(reverse(f"api:{resource}-detail", args=[pk])).status_code == 200


@pytest.mark.parametrize("role", STAFF)
def test_objects_a_role_may_not_see_answer_404(world, role):
    reminder, request = _extras(world)
    user = world.users[role]
    _, key = make_token(user)
    client = client_for(key)
    objects = {
        "job": world.job,
        "candidate": world.candidate,
        "application": world.application,
        "interview": world.interview,
        "decision": world.decision,
        "letter": world.letter,
        "reminder": reminder,
        "request": request,
    }
    for resource, obj in objects.items():
        status = client.get(reverse(f"api:{resource}-detail", args=[obj.pk])).status_code
        assert status == (200 if obj.pk in _expected(resource, user) else 404), f"{resource} as {role}"


def test_job_shows_its_stages_and_criteria_in_order(world):
    _, key = make_token(world.users["hr"])
    body = client_for(key).get(reverse("api:job-detail", args=[world.job.pk])).json()
    assert [s["name"] for s in body["stages"]] == ["Resume review", "Phone screen", "Technical interview"]
    assert [c["position"] for c in body["stages"][0]["criteria"]] == [0, 1]


def test_decision_shows_its_feedback_points(world):
    _, key = make_token(world.users["interviewer_this_job"])
    body = client_for(key).get(reverse("api:decision-detail", args=[world.decision.pk])).json()
    assert body["outcome"] == "no_hire"
    assert len(body["points"]) == 1
    assert set(body["points"][0]) == {"id", "criterion", "observation", "suggestion", "position"}


def test_scorecards_follow_the_predicates(world):
    """The world's scorecard is a draft of interviewer_this_job: only they read it."""
    for role, expected in (("interviewer_this_job", 1), ("manager_this_job", 0), ("hr", 0)):
        _, key = make_token(world.users[role])
        response = client_for(key).get(reverse("api:application-scorecards", args=[world.application.pk]))
        assert response.status_code == 200
        assert len(response.json()) == expected, role
    _, key = make_token(world.users["interviewer_other_job"])
    response = client_for(key).get(reverse("api:application-scorecards", args=[world.application.pk]))
    assert response.status_code == 404


def test_filters_by_status_and_updated_time(world):
    _, key = make_token(world.users["hr"])
    client = client_for(key)
    url = reverse("api:letter-list")
    assert ids(client.get(url, {"status": "draft"})) == [world.letter.pk]
    assert ids(client.get(url, {"status": "sent"})) == []
    soon = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    past = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    assert ids(client.get(url, {"updated_after": soon})) == []
    assert ids(client.get(url, {"updated_after": past})) == [world.letter.pk]
    assert ids(client.get(url, {"updated_before": past})) == []
    apps = reverse("api:application-list")
    assert ids(client.get(apps, {"status": "rejected"})) == [world.rejected.pk]
    assert ids(client.get(apps, {"job": world.other_job.pk})) == [world.other_application.pk]
    assert ids(client.get(reverse("api:job-list"), {"status": "closed"})) == []


def test_bad_filters_answer_400_with_the_field(world):
    _, key = make_token(world.users["hr"])
    client = client_for(key)
    response = client.get(reverse("api:letter-list"), {"status": "nonsense"})
    assert response.status_code == 400
    assert "status" in response.json()
    response = client.get(reverse("api:letter-list"), {"updated_after": "yesterday"})
    assert response.status_code == 400
    assert "updated_after" in response.json()


def test_cursor_pagination_walks_every_row_once(world):
    for n in range(5):
        CandidateFactory(name=f"Paged {n}")
    _, key = make_token(world.users["hr"])
    client = client_for(key)
    seen = []
    url = reverse("api:candidate-list") + "?page_size=2"
    pages = 0
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert sorted(seen) == sorted(Candidate.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) and pages >= 3
    assert client.get(reverse("api:candidate-list"), {"cursor": "garbage"}).status_code == 404


def test_hr_adds_a_candidate_validated_like_the_form(world):
    _, key = make_token(world.users["hr"], scope="write", name="ATS import")
    client = client_for(key)
    url = reverse("api:candidate-list")
    response = client.post(
        url, {"name": "Ada Byron", "email": "ada@example.org", "consent": True}, format="json"
    )
    assert response.status_code == 201, response.content
    candidate = Candidate.objects.get(pk=response.json()["id"])
    assert response.json()["consent"] is True
    assert AuditEvent.objects.filter(verb="candidate.create", target_id=candidate.pk).exists()
    assert (
        AuditEvent.objects.get(verb="api.candidate.create", target_id=candidate.pk).data["token"]
        == "ATS import"
    )
    duplicate = client.post(url, {"name": "Ada", "email": "ADA@example.org"}, format="json")
    assert duplicate.status_code == 400 and "email" in duplicate.json()
    bad = client.post(url, {"name": "", "email": "not an email", "time_zone": "Mars/Base"}, format="json")
    assert bad.status_code == 400
    assert {"name", "email"} <= set(bad.json())


def test_non_hr_write_token_cannot_add_candidates_or_jobs(world):
    _, key = make_token(world.users["manager_this_job"], scope="write")
    client = client_for(key)
    response = client.post(
        reverse("api:candidate-list"), {"name": "A", "email": "a@example.org"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only HR can add candidates."]}
    assert client.post(reverse("api:job-list"), {"title": "X"}, format="json").status_code == 403
    assert Candidate.objects.filter(email="a@example.org").count() == 0


def test_hr_creates_a_job_and_opens_an_application(world):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    response = client.post(
        reverse("api:job-list"),
        {"title": "Data Engineer", "hiring_manager": world.users["manager_this_job"].pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.hiring_manager == world.users["manager_this_job"]
    bad = client.post(
        reverse("api:job-list"), {"title": "X", "hiring_manager": world.users["hr"].pk}, format="json"
    )
    assert bad.status_code == 400 and "hiring_manager" in bad.json()
    # A job without stages cannot take applications: the service says so, next to "job".
    candidate = CandidateFactory()
    url = reverse("api:application-list")
    refused = client.post(url, {"candidate": candidate.pk, "job": job.pk}, format="json")
    assert refused.status_code == 400
    assert "no stages yet" in refused.json()["job"][0]
    opened = client.post(url, {"candidate": candidate.pk, "job": world.job.pk}, format="json")
    assert opened.status_code == 201, opened.content
    application = Application.objects.get(pk=opened.json()["id"])
    assert application.current_stage.position == 0
    again = client.post(url, {"candidate": candidate.pk, "job": world.job.pk}, format="json")
    assert again.status_code == 400
    assert AuditEvent.objects.filter(verb="api.application.open", target_id=application.pk).count() == 1
    missing = client.post(url, {"candidate": 999999, "job": world.job.pk}, format="json")
    assert missing.json() == {"candidate": ["No candidate with this id."]}


def test_approve_refuses_a_send_time_in_the_past_next_to_the_field(world):
    _, key = make_token(world.users["hr"], scope="write")
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client_for(key).post(
        reverse("api:letter-approve", args=[world.letter.pk]),
        {"send_at": past, "override_reason": "ok"},
        format="json",
    )
    assert response.status_code == 400
    assert "send_at" in response.json()


def test_session_staff_may_use_the_api_with_csrf(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["hr"])
    assert client.get(reverse("api:letter-list")).status_code == 200
    response = client.post(reverse("api:letter-cancel", args=[world.letter.pk]))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_admin_without_a_hiring_role_reads_no_resources_by_session(client, world):
    client.force_login(world.users["admin"])
    assert client.get(reverse("api:letter-list")).status_code == 403
