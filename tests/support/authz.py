"""The authorization matrix: every URL × every role.

Each app lists its URLs in ``<app>/tests/authz_cases.py`` as ``CASES``: a dict
from URL name ("namespace:name") to a Case. The matrix test fails for any URL
that no app lists, so a new view cannot ship without saying who may open it.
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

LOGIN = "login"  # redirected to the login page
OK = "ok"  # 200, or a redirect that is not to the login page (e.g. after a POST)
NOT_FOUND = 404
NOT_ALLOWED = 405


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
