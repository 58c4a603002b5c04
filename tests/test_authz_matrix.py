import importlib
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    HiringManagerFactory,
    HRFactory,
    InterviewerFactory,
    InterviewFactory,
    ScorecardFactory,
    job_with_pipeline,
)
from tests.support.authz import LOGIN, NOT_ALLOWED, NOT_FOUND, OK, ROLES

CASE_MODULES = (
    "core.tests.authz_cases",
    "candidates.tests.authz_cases",
    "hiring.tests.authz_cases",
    "feedback.tests.authz_cases",
    "feedback.tests.authz_candidate_cases",
)
IGNORED_NAMESPACES = {"admin"}


def all_cases() -> dict:
    cases = {}
    for module in CASE_MODULES:
        cases.update(importlib.import_module(module).CASES)
    return cases


def url_names(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns in IGNORED_NAMESPACES:
                continue
            full = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
            yield from url_names(pattern, full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_is_in_the_matrix():
    missing = sorted(set(url_names()) - set(all_cases()))
    assert not missing, f"URLs without an authorization case: {missing}"


@pytest.fixture
def world(db):
    """Two jobs. The world's application belongs to job A."""
    manager_this = HiringManagerFactory(username="manager_this")
    manager_other = HiringManagerFactory(username="manager_other")
    job = job_with_pipeline(hiring_manager=manager_this)
    other_job = job_with_pipeline(hiring_manager=manager_other)
    interviewer_this = InterviewerFactory(username="interviewer_this")
    interviewer_other = InterviewerFactory(username="interviewer_other")
    application = ApplicationFactory(job=job)
    other_application = ApplicationFactory(job=other_job)
    interview = InterviewFactory(application=application, interviewer=interviewer_this)
    ScorecardFactory(interview=interview)
    other_interview = InterviewFactory(application=other_application, interviewer=interviewer_other)
    # A second, decided application of job A with a drafted letter.
    rejected = ApplicationFactory(job=job)
    decided_interview = InterviewFactory(application=rejected, interviewer=interviewer_this)
    decision = DecisionFactory(
        application=rejected, outcome=Decision.Outcome.NO_HIRE, decided_by=interviewer_this
    )
    FeedbackPointFactory(decision=decision)
    rejected.status = rejected.Status.REJECTED
    rejected.closed_at = timezone.now()
    rejected.save()
    from feedback.letters.services import letter_draft

    letter = letter_draft(decision=decision)
    users = {
        "anonymous": None,
        "interviewer_other_job": interviewer_other,
        "interviewer_this_job": interviewer_this,
        "manager_other_job": manager_other,
        "manager_this_job": manager_this,
        "hr": HRFactory(username="hr_world"),
    }
    return SimpleNamespace(
        users=users,
        job=job,
        other_job=other_job,
        application=application,
        other_application=other_application,
        interview=interview,
        other_interview=other_interview,
        decided_interview=decided_interview,
        rejected=rejected,
        decision=decision,
        letter=letter,
        candidate=application.candidate,
        stage=application.current_stage,
    )


def _check(response, expected, label):
    login = reverse("login")
    status = response.status_code
    redirect_to = response.get("Location", "")
    if expected == LOGIN:
        assert status == 302 and redirect_to.startswith(login), f"{label}: {status} {redirect_to}"
    elif expected == OK:
        assert status in (200, 204) or (status == 302 and not redirect_to.startswith(login)), (
            f"{label}: got {status} {redirect_to}"
        )
    elif expected in (NOT_FOUND, NOT_ALLOWED) or isinstance(expected, int):
        assert status == expected, f"{label}: expected {expected}, got {status}"
    else:  # pragma: no cover - a typo in a case
        raise AssertionError(f"{label}: unknown expectation {expected!r}")


@pytest.mark.parametrize("name", sorted(all_cases()))
def test_url_answers_each_role_as_it_should(name, world, client):
    case = all_cases()[name]
    assert set(case.expect) == set(ROLES), f"{name}: the case must name every role"
    for role in ROLES:
        client.logout()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        url = case.url(world)
        if case.method == "post":
            data = case.data(world) if callable(case.data) else case.data
            response = client.post(url, data)
        else:
            response = client.get(url)
        _check(response, case.expect[role], f"{name} as {role}")
