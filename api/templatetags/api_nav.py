"""The "API tokens" entry of the main menu, for Admins only."""

from django import template

from core import roles

register = template.Library()


@register.inclusion_tag("api/_nav.html", takes_context=True)
def api_tokens_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": bool(user is not None and roles.is_admin(user))}
