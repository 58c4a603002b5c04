"""Staff roles are Django groups, created by data migrations.

Interviewer, Hiring manager and HR work on hiring; Admin runs the Django admin
(staff accounts, the quality check's phrase lists, read-only views of records).
Roles come from groups only: ``is_superuser`` grants no hiring role. A superuser
counts as an Admin, so a break-glass account made with ``createsuperuser`` can
reach the admin (to give the first people their roles), and nothing more.
``is_staff`` is not used.
"""

from django.contrib.auth.models import AnonymousUser, User

INTERVIEWER = "Interviewer"
HIRING_MANAGER = "Hiring manager"
HR = "HR"
ADMIN = "Admin"
HIRING_ROLES = (INTERVIEWER, HIRING_MANAGER, HR)
ALL = (*HIRING_ROLES, ADMIN)


def role_names(user: User | AnonymousUser) -> set[str]:
    """The names of the user's role groups (cached on the user object); empty when anonymous."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_candor_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._candor_roles = cached
    return cached


def is_hr(user) -> bool:
    return user.is_authenticated and HR in role_names(user)


def is_hiring_manager(user) -> bool:
    return user.is_authenticated and HIRING_MANAGER in role_names(user)


def is_admin(user) -> bool:
    """May use the Django admin: the Admin role, or a (break-glass) superuser."""
    return user.is_authenticated and user.is_active and (user.is_superuser or ADMIN in role_names(user))


def is_staff_member(user) -> bool:
    """Anyone with a hiring role (Interviewer, Hiring manager or HR). Admin alone is not one."""
    return user.is_authenticated and bool(role_names(user) & set(HIRING_ROLES))
