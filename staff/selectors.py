"""Reads of staff accounts: the People list, Admin counts, SCIM tokens."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet

from core import roles
from staff.models import ScimToken

User = get_user_model()

# Role filters in URLs are these keys (never a name or an email).
ROLE_KEYS = {
    "interviewer": roles.INTERVIEWER,
    "hiring_manager": roles.HIRING_MANAGER,
    "hr": roles.HR,
    "admin": roles.ADMIN,
}
NO_ROLE = "none"
STATES = ("active", "inactive")


def role_groups() -> QuerySet:
    """The four role groups (core.roles.ALL), in the roles' order of the name list."""
    return Group.objects.filter(name__in=roles.ALL)


def people(*, role: str = "", state: str = "", query: str = "") -> QuerySet:
    """Staff users for the People page, with their role groups prefetched.

    ``role``: a key of ``ROLE_KEYS`` or ``NO_ROLE``; ``state``: "active" or "inactive"; unknown
    values are ignored. ``query``: matched (case-insensitive, contains) against username,
    email and names. Ordered by last name, first name, username.
    """
    qs = User.objects.all()
    if role in ROLE_KEYS:
        qs = qs.filter(groups__name=ROLE_KEYS[role])
    elif role == NO_ROLE:
        qs = qs.exclude(groups__name__in=roles.ALL)
    if state == "active":
        qs = qs.filter(is_active=True)
    elif state == "inactive":
        qs = qs.filter(is_active=False)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    return (
        qs.prefetch_related(Prefetch("groups", queryset=role_groups(), to_attr="role_groups"))
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def role_names_of(user) -> set[str]:
    """The user's role names, fresh from the database (core.roles.ALL only)."""
    return set(user.groups.filter(name__in=roles.ALL).values_list("name", flat=True))


def active_admins() -> QuerySet:
    """Active users who count as Admins (core.roles.is_admin): the Admin role, or superuser."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=roles.ADMIN))
        .distinct()
    )


def scim_tokens() -> QuerySet:
    return ScimToken.objects.select_related("created_by", "revoked_by")
