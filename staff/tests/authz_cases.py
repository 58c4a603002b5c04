"""Who may open each URL of the staff app (tests/support/authz.py).

People and SCIM token pages: the Admin role only (everyone else 404). "Your security" and
"sign out everywhere": every signed-in user. SCIM 2.0: a bearer token only, so every browser
session (whatever its roles) gets 401.
"""

from django.urls import reverse

from tests.support.authz import ADMIN, LOGIN, NOT_FOUND, OK, ROLES, Case, everyone

SCIM_UNAUTHORIZED = 401


def admin_only() -> dict:
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": NOT_FOUND,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": NOT_FOUND,
        "hr": NOT_FOUND,
        ADMIN: OK,
    }


def signed_in() -> dict:
    return {**everyone(OK), "anonymous": LOGIN, ADMIN: OK}


def _target(w):
    """The person the Admin pages act on: an interviewer of another job."""
    return w.users["interviewer_other_job"]


def _scim(name, *args, method="get"):
    return Case(
        url=lambda w: reverse(f"scim:{name}", args=args) if args else reverse(f"scim:{name}"),
        method=method,
        expect={role: SCIM_UNAUTHORIZED for role in ROLES},
    )


def _token(w):
    from staff.services import scim_token_create

    return scim_token_create(by=w.users[ADMIN], name="Matrix")[0]


CASES = {
    "staff:people": Case(
        url=lambda w: reverse("staff:people") + "?role=hr&state=active", expect=admin_only()
    ),
    "staff:person_create": Case(url=lambda w: reverse("staff:person_create"), expect=admin_only()),
    "staff:person": Case(url=lambda w: reverse("staff:person", args=[_target(w).pk]), expect=admin_only()),
    "staff:person_roles": Case(
        url=lambda w: reverse("staff:person_roles", args=[_target(w).pk]),
        method="post",
        data={"roles": ["Interviewer", "HR"]},
        expect=admin_only(),
    ),
    "staff:person_deactivate": Case(
        url=lambda w: reverse("staff:person_deactivate", args=[_target(w).pk]),
        method="post",
        expect=admin_only(),
    ),
    "staff:person_reactivate": Case(
        url=lambda w: reverse("staff:person_reactivate", args=[_target(w).pk]),
        method="post",
        expect=admin_only(),
    ),
    "staff:person_end_sessions": Case(
        url=lambda w: reverse("staff:person_end_sessions", args=[_target(w).pk]),
        method="post",
        expect=admin_only(),
    ),
    "staff:scim_tokens": Case(url=lambda w: reverse("staff:scim_tokens"), expect=admin_only()),
    "staff:scim_token_revoke": Case(
        url=lambda w: reverse("staff:scim_token_revoke", args=[_token(w).pk]),
        method="post",
        expect=admin_only(),
    ),
    "staff:security": Case(url=lambda w: reverse("staff:security"), expect=signed_in()),
    "staff:signout_everywhere": Case(
        url=lambda w: reverse("staff:signout_everywhere"), method="post", expect=signed_in()
    ),
    "staff:signed_out": Case(url=lambda w: reverse("staff:signed_out"), expect={**everyone(OK), ADMIN: OK}),
    "scim:root": _scim("root"),
    "scim:search": _scim("search", method="post"),
    "scim:users-search": _scim("users-search", method="post"),
    "scim:users": _scim("users"),
    "scim:groups-search": _scim("groups-search", method="post"),
    "scim:groups": _scim("groups"),
    "scim:me": _scim("me"),
    "scim:service-provider-config": _scim("service-provider-config"),
    "scim:resource-types": _scim("resource-types"),
    "scim:schemas": _scim("schemas"),
    "scim:bulk": _scim("bulk", method="post"),
}
