"""Who may manage webhooks, and the reads of the webhook pages (subscriptions, delivery log)."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from core import roles
from events.models import WebhookDelivery, WebhookSubscription
from outbox.models import DeliveryStatus


def can_manage_webhooks(user) -> bool:
    """HR and Admins manage webhook subscriptions, read the delivery log and resend failed deliveries.

    Admins (IT) connect other systems; HR reads what went out about its candidates.
    Interviewers and hiring managers do not see webhooks at all.
    """
    return roles.is_hr(user) or roles.is_admin(user)


def subscriptions_list() -> QuerySet[WebhookSubscription]:
    """Every subscription, with counts of failed and unknown deliveries and the last one's time. One query."""
    return WebhookSubscription.objects.annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        unknown_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.UNKNOWN)),
        last_delivery_at=Max("deliveries__created_at"),
    ).order_by("name", "pk")


def deliveries_of(subscription: WebhookSubscription, *, status: str = "") -> QuerySet[WebhookDelivery]:
    """The delivery log of one subscription, newest first, optionally of one ``DeliveryStatus``."""
    rows = WebhookDelivery.objects.filter(subscription=subscription).order_by("-created_at", "-pk")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    return rows.defer("sent_raw", "sent_envelope", "sent_html")
