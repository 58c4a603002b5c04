"""Who may open each URL of the api app (tests/support/authz.py).

The API answers a signed-in session as the matrix walks it: 401 without one (no login page: it
is an API), 403 for an Admin with no hiring role, and the selectors' answer for each role
(404 for an object the role may not see). Token scopes and job limits: api/tests/test_tokens.py.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests.support.authz import ADMIN, LOGIN, NOT_FOUND, OK, Case

UNAUTHENTICATED = 401
FORBIDDEN = 403


def _api(**overrides) -> dict:
    base = {
        "anonymous": UNAUTHENTICATED,
        "interviewer_other_job": OK,
        "interviewer_this_job": OK,
        "manager_other_job": OK,
        "manager_this_job": OK,
        "hr": OK,
        ADMIN: FORBIDDEN,
    }
    base.update(overrides)
    return base


def _hr_object() -> dict:
    return _api(
        interviewer_other_job=NOT_FOUND,
        interviewer_this_job=NOT_FOUND,
        manager_other_job=NOT_FOUND,
        manager_this_job=NOT_FOUND,
    )


def _this_job() -> dict:
    return _api(interviewer_other_job=NOT_FOUND, manager_other_job=NOT_FOUND)


def _admin_pages() -> dict:
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": NOT_FOUND,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": NOT_FOUND,
        "hr": NOT_FOUND,
        ADMIN: OK,
    }


def _reminder(w):
    from feedback.models import ReapplyReminder

    reminder, _ = ReapplyReminder.objects.get_or_create(
        application=w.rejected,
        defaults={
            "candidate": w.rejected.candidate,
            "opted_in_at": timezone.now(),
            "send_after": timezone.now() + dt.timedelta(days=180),
        },
    )
    return reminder


def _request(w):
    from feedback.models import FeedbackRequest

    request = FeedbackRequest.objects.filter(letter=w.letter).first()
    if request is None:
        now = timezone.now()
        request = FeedbackRequest.objects.create(
            letter=w.letter, question="What would have been stronger?", asked_at=now, deadline=now
        )
    return request


def _token(w):
    from api.models import ApiToken

    token = ApiToken.objects.filter(name="matrix").first()
    if token is None:
        token = ApiToken.objects.create(
            name="matrix", prefix="matrix000000", key_hash="0" * 64, acting_user=w.users["hr"]
        )
    return token


def _r(name, *args):
    return lambda w: reverse(f"api:{name}", args=[a(w) for a in args])


def _pk(attr):
    return lambda w: getattr(w, attr).pk


CASES = {
    "api:schema": Case(url=_r("schema"), expect=_api(**{ADMIN: OK})),
    "api:docs": Case(url=_r("docs"), expect=_api(anonymous=LOGIN, **{ADMIN: OK})),
    "api:token_list": Case(url=_r("token_list"), expect=_admin_pages()),
    "api:token_create": Case(url=_r("token_create"), expect=_admin_pages()),
    "api:token_revoke": Case(
        url=_r("token_revoke", lambda w: _token(w).pk), method="post", expect=_admin_pages()
    ),
    "api:job-list": Case(url=_r("job-list"), expect=_api()),
    "api:job-detail": Case(url=_r("job-detail", _pk("job")), expect=_hr_object()),
    "api:candidate-list": Case(url=_r("candidate-list"), expect=_api()),
    "api:candidate-detail": Case(url=_r("candidate-detail", _pk("candidate")), expect=_hr_object()),
    "api:application-list": Case(url=_r("application-list"), expect=_api()),
    "api:application-detail": Case(url=_r("application-detail", _pk("application")), expect=_this_job()),
    "api:application-scorecards": Case(
        url=_r("application-scorecards", _pk("application")), expect=_this_job()
    ),
    "api:interview-list": Case(url=_r("interview-list"), expect=_api()),
    "api:interview-detail": Case(url=_r("interview-detail", _pk("interview")), expect=_this_job()),
    "api:decision-list": Case(url=_r("decision-list"), expect=_api()),
    "api:decision-detail": Case(url=_r("decision-detail", _pk("decision")), expect=_this_job()),
    "api:letter-list": Case(url=_r("letter-list"), expect=_api()),
    "api:letter-detail": Case(url=_r("letter-detail", _pk("letter")), expect=_hr_object()),
    # HR approves the world's draft (with a reason, in case the quality check blocks it).
    "api:letter-approve": Case(
        url=_r("letter-approve", _pk("letter")),
        method="post",
        data={"override_reason": "Checked by hand."},
        expect=_hr_object(),
    ),
    # The world's letter is a draft: only a scheduled one can be cancelled (409 for HR).
    "api:letter-cancel": Case(
        url=_r("letter-cancel", _pk("letter")), method="post", expect=_hr_object() | {"hr": 409}
    ),
    "api:reminder-list": Case(url=_r("reminder-list"), expect=_api()),
    "api:reminder-detail": Case(url=_r("reminder-detail", lambda w: _reminder(w).pk), expect=_hr_object()),
    "api:request-list": Case(url=_r("request-list"), expect=_api()),
    # Routed to the decider (interviewer_this_job) and the job's hiring manager; HR sees all.
    "api:request-detail": Case(url=_r("request-detail", lambda w: _request(w).pk), expect=_this_job()),
}
