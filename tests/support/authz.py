"""The authorization matrix: every URL × every role.

Each app lists its URLs in ``<app>/tests/authz_cases.py`` as ``CASES``: a dict
from URL name ("namespace:name") to a Case. The matrix test fails for any URL
that no app lists, so a new view cannot ship without saying who may open it.

A seventh role, ``admin`` (the Admin role alone), is walked too. It holds no
hiring role, so unless a case names it, it gets ``admin_expectation(...)``: what
everyone gets on a page open to everyone, else no access (403 or 404). The Django
admin's own URLs are walked separately (tests/test_authz_matrix.py): 403 for every
logged-in role but ``admin``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = (
    "anonymous",
    "interviewer_other_job",
    "interviewer_this_job",
    "manager_other_job",
    "manager_this_job",
    "hr",
)

ADMIN = "admin"  # a user with the Admin role only

LOGIN = "login"  # redirected to the login page
OK = "ok"  # 200, or a redirect that is not to the login page (e.g. after a POST)
NOT_FOUND = 404
NOT_ALLOWED = 405
FORBIDDEN = 403
NO_ACCESS = "no access"  # 403 or 404: not this role's page


@dataclass
class Case:
    url: Callable  # world -> path
    expect: dict  # role -> LOGIN | OK | NOT_FOUND | NOT_ALLOWED | int
    method: str = "get"
    data: dict | Callable = field(default_factory=dict)  # world -> dict, for POSTs


def staff_only(**overrides) -> dict:
    """HR and everyone with access by default get OK; others as given."""
    base = {
        "anonymous": LOGIN,
        "interviewer_other_job": OK,
        "interviewer_this_job": OK,
        "manager_other_job": OK,
        "manager_this_job": OK,
        "hr": OK,
    }
    base.update(overrides)
    return base


def hr_only() -> dict:
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": NOT_FOUND,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": NOT_FOUND,
        "hr": OK,
    }


def this_job_only() -> dict:
    """People working on the world's application (and HR) see it; others get 404."""
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": OK,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": OK,
        "hr": OK,
    }


def everyone(expect=OK) -> dict:
    return {role: expect for role in ROLES}


def admin_expectation(expect: dict):
    """What the ``admin`` role (the Admin role alone) gets from a case that does not name it.

    An Admin has no hiring role: a page that answers every role alike answers them alike too;
    any other page is not theirs (403 or 404).
    """
    if ADMIN in expect:
        return expect[ADMIN]
    answers = {expect[role] for role in ROLES}
    if len(answers) == 1:
        return answers.pop()
    return NO_ACCESS
