"""Template filters of the accounts pages."""

from django import template

from core import roles

register = template.Library()


@register.filter
def may_set_security_policy(user) -> bool:
    """True for an Admin (or break-glass superuser): core.roles.is_admin."""
    return roles.is_admin(user)
