"""The events app's menu entry: shown to those who manage webhooks (HR and Admins)."""

from django import template

from events.selectors import can_manage_webhooks

register = template.Library()


@register.filter(name="manages_webhooks")
def manages_webhooks(user) -> bool:
    """``{% if user|manages_webhooks %}``: HR or Admin (events.selectors.can_manage_webhooks)."""
    return can_manage_webhooks(user)
