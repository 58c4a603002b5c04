"""Webhook subscriptions (where to POST which events) and their deliveries (outbox rows).

A ``WebhookDelivery`` is one event for one subscription: an ``outbox.models.Deliverable``
of the kind ``webhook`` (events/apps.py), sent by the same engine as email, with
claims, leases, retries with back-off, unknown outcomes and recovery (docs/events.md).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from outbox.models import Deliverable, DeliveryStatus

# Every event Candor announces to subscribers (docs/events.md lists each payload).
EVENT_NAMES = (
    "letter.sent",
    "letter.failed",
    "letter.bounced",
    "reminder.sent",
    "request.created",
    "request.answered",
    "candidate.erased",
)
EVENT_CHOICES = [(name, name) for name in EVENT_NAMES]


def new_secret() -> str:
    """A signing secret for a subscription: ``whsec_`` and 32 random bytes, URL-safe."""
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """Where to POST which events, and the secret that signs them (HMAC-SHA256)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(
        max_length=100, help_text="What this receiver is, for you (e.g. “Greenhouse sync”)."
    )
    url = models.URLField(max_length=500, help_text="Where Candor POSTs each event (https in production).")
    # Shown to HR and Admins on the subscription's page: receivers need it to verify signatures.
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    events = models.JSONField(default=list, help_text="The event names this receiver gets.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(Deliverable):
    """One event for one subscription: a row the outbox sends as a signed POST, exactly once.

    ``event_id`` is the same for every subscription's delivery of one event (receivers
    dedupe on the ``Candor-Event-Id`` header); ``public_id`` names this delivery.
    ``response_code``: the receiver's last HTTP answer (None: none came).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event = models.CharField(max_length=40, choices=EVENT_CHOICES)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.SCHEDULED)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["send_after"], condition=Q(status="scheduled"), name="webhook_due_idx"),
            models.Index(fields=["claimed_until"], condition=Q(status="sending"), name="webhook_sending_idx"),
            models.Index(fields=["subscription", "-created_at"], name="webhook_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}"
