"""Every write of the events app: webhook subscriptions (audited) and resending a delivery.

The callers' role is checked here (``events.selectors.can_manage_webhooks``): HR or Admin.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.audit import audit_record
from events.delivery import webhooks_wanted_forget
from events.models import EVENT_NAMES, WebhookDelivery, WebhookSubscription, new_secret
from events.selectors import can_manage_webhooks
from outbox.errors import DeliveryStateError
from outbox.models import DeliveryStatus
from outbox.services import delivery_retry


class WebhookStateError(Exception):
    """The delivery is not in a state that allows this (a sentence for a person)."""


def _require_manager(by, what: str) -> None:
    if not can_manage_webhooks(by):
        raise PermissionDenied(f"Only HR and Admins can {what}.")


def _clean_events(events) -> list[str]:
    chosen = sorted({str(e) for e in (events or [])})
    unknown = [e for e in chosen if e not in EVENT_NAMES]
    if unknown or not chosen:
        raise ValidationError({"events": "Choose at least one of the listed events."})
    return chosen


@transaction.atomic
def subscription_create(*, by, name: str, url: str, events: list[str]) -> WebhookSubscription:
    """Create an active subscription with a new signing secret. Audited ``webhook.subscribed``.

    Raises PermissionDenied unless ``by`` is HR or Admin, ValidationError for a bad
    name, URL (http or https) or event list.
    """
    _require_manager(by, "add webhooks")
    subscription = WebhookSubscription(
        name=(name or "").strip(), url=(url or "").strip(), events=_clean_events(events), created_by=by
    )
    subscription.full_clean()
    subscription.save()
    audit_record(
        actor=by, verb="webhook.subscribed", target=subscription, data={"events": subscription.events}
    )
    transaction.on_commit(webhooks_wanted_forget)
    webhooks_wanted_forget()
    return subscription


@transaction.atomic
def subscription_update(
    *, subscription: WebhookSubscription, by, name: str, url: str, events: list[str], active: bool
) -> WebhookSubscription:
    """Change a subscription's name, URL, events or pause it. Audited ``webhook.changed``.

    Deliveries already made keep going to the subscription as it is at their send time
    (a paused subscription's waiting deliveries are cancelled when their turn comes).
    Raises as ``subscription_create``.
    """
    _require_manager(by, "change webhooks")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.name = (name or "").strip()
    subscription.url = (url or "").strip()
    subscription.events = _clean_events(events)
    subscription.active = bool(active)
    subscription.full_clean()
    subscription.save()
    audit_record(
        actor=by,
        verb="webhook.changed",
        target=subscription,
        data={"events": subscription.events, "active": subscription.active},
    )
    transaction.on_commit(webhooks_wanted_forget)
    webhooks_wanted_forget()
    return subscription


@transaction.atomic
def subscription_rotate_secret(*, subscription: WebhookSubscription, by) -> WebhookSubscription:
    """Give a subscription a new signing secret (the old one stops at once). Audited.

    Audit verb: ``webhook.secret_rotated``.

    Raises PermissionDenied unless ``by`` is HR or Admin.
    """
    _require_manager(by, "change webhooks")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    audit_record(actor=by, verb="webhook.secret_rotated", target=subscription)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription, by) -> None:
    """Delete a subscription and its delivery log. Audited ``webhook.deleted`` (on the subscription's id)."""
    _require_manager(by, "delete webhooks")
    audit_record(actor=by, verb="webhook.deleted", target=subscription, data={"name": subscription.name})
    subscription.delete()
    transaction.on_commit(webhooks_wanted_forget)


@transaction.atomic
def webhook_delivery_resend(
    *, delivery: WebhookDelivery, by, confirm_unknown: bool = False
) -> WebhookDelivery:
    """Send a failed delivery again (or, confirmed, one whose outcome is unknown): due now, tries reset.

    The same body and ``Candor-Event-Id`` go again (receivers dedupe on it), signed anew.
    Audited ``webhook.resent``. Raises PermissionDenied unless ``by`` is HR or Admin,
    WebhookStateError unless the delivery failed (or is unknown and ``confirm_unknown``).
    """
    _require_manager(by, "resend webhooks")
    previous = WebhookDelivery.objects.filter(pk=delivery.pk).values_list("status", flat=True).first()
    try:
        delivery_retry(kind="webhook", pk=delivery.pk, resend_unknown=confirm_unknown)
    except DeliveryStateError as exc:
        if previous == DeliveryStatus.UNKNOWN:
            raise WebhookStateError(
                "The receiver may have this event already: check with its owner, "
                "then tick the box to send it again."
            ) from exc
        raise WebhookStateError(
            "Only a failed delivery, or one whose outcome is unknown, can be sent again."
        ) from exc
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    audit_record(actor=by, verb="webhook.resent", target=delivery, data={"previous": previous})
    return delivery
