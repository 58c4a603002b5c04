import importlib
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from hiring.models import Decision
from hiring.tests.factories import (
    AdminFactory,
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
from tests.support.authz import (
    ADMIN,
    FORBIDDEN,
    LOGIN,
    NO_ACCESS,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    ROLES,
    admin_expectation,
)

CASE_MODULES = (
    "core.tests.authz_cases",
    "candidates.tests.authz_cases",
    "hiring.tests.authz_cases",
    "feedback.tests.authz_cases",
    "feedback.tests.authz_candidate_cases",
    "accounts.tests.authz_cases",
    "staff.tests.authz_cases",
    "api.tests.authz_cases",
    "integrations.tests.authz_cases",
    "events.tests.authz_cases",
)
# The Django admin's URLs are walked by test_admin_url_answers_each_role_as_it_should.
IGNORED_NAMESPACES = {"admin"}


def all_cases() -> dict:
    cases = {}
    for module in CASE_MODULES:
        cases.update(importlib.import_module(module).CASES)
    return cases


def url_names(resolver=None, namespace=None, ignored=IGNORED_NAMESPACES):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns in ignored:
                continue
            full = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
            yield from url_names(pattern, full, ignored)
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
        ADMIN: AdminFactory(username="admin_world"),
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
    elif expected == NO_ACCESS:
        assert status in (403, 404), f"{label}: expected 403 or 404, got {status} {redirect_to}"
    elif expected in (NOT_FOUND, NOT_ALLOWED) or isinstance(expected, int):
        assert status == expected, f"{label}: expected {expected}, got {status}"
    else:  # pragma: no cover - a typo in a case
        raise AssertionError(f"{label}: unknown expectation {expected!r}")


@pytest.mark.parametrize("name", sorted(all_cases()))
def test_url_answers_each_role_as_it_should(name, world, client):
    case = all_cases()[name]
    assert set(case.expect) - {ADMIN} == set(ROLES), f"{name}: the case must name every role"
    expect = {**case.expect, ADMIN: admin_expectation(case.expect)}
    for role in (*ROLES, ADMIN):
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
        _check(response, expect[role], f"{name} as {role}")


# --- The Django admin -------------------------------------------------------------------------
# Every admin URL, per registered model (and the site's own), for every role: anonymous visitors
# go to the login page, every logged-in role but Admin gets 403, and an Admin gets the page
# unless the model is read-only (add and delete: 403).


def _admin_groups() -> list[str]:
    from core.admin_site import site

    return ["site", *sorted(model._meta.label_lower for model in site._registry)]


def _admin_app_labels() -> list[str]:
    from core.admin_site import site

    return sorted({model._meta.app_label for model in site._registry})


SITE_URL_NAMES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}
MODEL_URL_NAMES = ("changelist", "add", "change", "history", "delete")
EXTRA_URL_NAMES = {"auth_user_password_change"}


def test_every_admin_url_is_walked():
    """A custom admin view (a new URL name) must be added to _admin_urls below."""
    from core.admin_site import site

    walked = SITE_URL_NAMES | EXTRA_URL_NAMES
    for model in site._registry:
        walked |= {f"{model._meta.app_label}_{model._meta.model_name}_{name}" for name in MODEL_URL_NAMES}
    names = {name for name in url_names(get_resolver(), None, ignored=set()) if name.startswith("admin:")}
    missing = sorted(names - {f"admin:{name}" for name in walked})
    assert not missing, f"admin URLs the matrix does not walk: {missing}"


def _admin_urls(group: str, world, admin_request) -> list[tuple[str, object]]:
    """(url, what an Admin gets) for each URL of one model's admin, or of the site itself."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from core.admin_site import site

    if group == "site":
        letter_type = ContentType.objects.get_for_model(world.letter)
        return [
            (reverse("admin:index"), OK),
            (reverse("admin:login"), OK),  # an Admin is sent on to the index
            (reverse("admin:logout"), NOT_ALLOWED),  # GET; logging out is a POST
            (reverse("admin:password_change"), OK),
            (reverse("admin:password_change_done"), OK),
            (reverse("admin:autocomplete"), FORBIDDEN),  # no autocomplete fields are registered
            (reverse("admin:jsi18n"), OK),
            (reverse("admin:view_on_site", args=[letter_type.pk, world.letter.pk]), OK),
            *[(reverse("admin:app_list", args=[label]), OK) for label in _admin_app_labels()],
            ("/admin/no-such-page/", NOT_FOUND),
        ]
    model = apps.get_model(group)
    model_admin = site._registry[model]
    obj = model._default_manager.order_by("pk").first()
    pk = obj.pk if obj is not None else 0  # a missing object: the admin redirects to its list
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [
        (reverse(f"{prefix}_changelist"), OK),
        (reverse(f"{prefix}_add"), OK if model_admin.has_add_permission(admin_request) else FORBIDDEN),
        (reverse(f"{prefix}_change", args=[pk]), OK),
        (reverse(f"{prefix}_history", args=[pk]), OK),
        (
            reverse(f"{prefix}_delete", args=[pk]),
            OK if model_admin.has_delete_permission(admin_request, obj) else FORBIDDEN,
        ),
        (f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/", OK),  # redirects to change
    ]
    if model._meta.label_lower == "auth.user":
        # Accounts are read-only in the admin (People page, staff/services.py): no password set here.
        urls.append((reverse("admin:auth_user_password_change", args=[pk]), FORBIDDEN))
    return urls


@pytest.mark.parametrize("group", _admin_groups())
def test_admin_url_answers_each_role_as_it_should(group, world, client, rf):
    admin_request = rf.get("/admin/")
    admin_request.user = world.users[ADMIN]
    for url, admin_gets in _admin_urls(group, world, admin_request):
        for role in (*ROLES, ADMIN):
            client.logout()
            user = world.users[role]
            if user is not None:
                client.force_login(user)
            expected = LOGIN if user is None else admin_gets if role == ADMIN else FORBIDDEN
            _check(client.get(url), expected, f"{url} as {role}")
