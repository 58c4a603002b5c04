"""Template helpers of the staff app: ``{% load staff_tags %}{% if user|is_admin %}``."""

from django import template

from core import roles

register = template.Library()


@register.filter
def is_admin(user) -> bool:
    """The Admin rule of core.roles (the Admin role, or a break-glass superuser)."""
    return roles.is_admin(user)
