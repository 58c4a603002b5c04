"""Staff roles are Django groups, created by a data migration."""

from django.contrib.auth.models import AnonymousUser, User

INTERVIEWER = "Interviewer"
HIRING_MANAGER = "Hiring manager"
HR = "HR"
ALL = (INTERVIEWER, HIRING_MANAGER, HR)


def role_names(user: User | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_candor_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._candor_roles = cached
    return cached


def is_hr(user) -> bool:
    return user.is_authenticated and (user.is_superuser or HR in role_names(user))


def is_hiring_manager(user) -> bool:
    return user.is_authenticated and HIRING_MANAGER in role_names(user)


def is_staff_member(user) -> bool:
    """Anyone with a Candor role (or a superuser)."""
    return user.is_authenticated and (user.is_superuser or bool(role_names(user)))
