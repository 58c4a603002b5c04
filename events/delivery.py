"""Events out: turning domain events into webhook deliveries, and sending each one through the outbox.

- ``webhooks_on_event`` (registered with ``core.events`` in ``EventsConfig.ready()``):
  for each active subscription that chose the event, one ``WebhookDelivery`` row, in
  the transaction that made the change; queued after commit (claimed for a lease, so
  the outbox's recovery sweep sends it if the queued task is lost).
- The ``webhook`` kind of the outbox: ``build_webhook_payload`` (the JSON body, built
  once and stored: every try sends the same bytes), ``webhook_skip_reason`` (a paused
  subscription), and ``webhook_transport`` (the signed POST, ``outbox.http.http_post``).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from events.models import EVENT_NAMES, WebhookDelivery, WebhookSubscription
from events.signing import DELIVERY_ID_HEADER, EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, sign
from outbox.errors import OutcomeUnknownError, TransportError
from outbox.http import http_post
from outbox.kinds import OutgoingPayload
from outbox.models import DeliveryStatus
from outbox.services import deliveries_queue_new

KIND = "webhook"


# The event names active subscriptions chose, read at most every CANDOR_WEBHOOK_WANTED_CACHE_SECONDS
# per process: the outbox asks for every message it marks sent, and must not pay a query each
# time (a chunk's reads do not grow with its size). Changes made through events.services clear it
# in their process at once; other processes see them within those seconds.
_wanted: dict = {"names": frozenset(), "until": 0.0}


def webhooks_wanted_forget() -> None:
    """Forget the cached event names (after a subscription changed, and in tests)."""
    _wanted["until"] = 0.0


def webhooks_wanted(name: str) -> bool:
    """Whether an event called ``name`` goes to anyone: one of ours, chosen by an active subscription."""
    if name not in EVENT_NAMES:
        return False
    now = time.monotonic()
    if now >= _wanted["until"]:
        names = set()
        for events in WebhookSubscription.objects.filter(active=True).values_list("events", flat=True):
            names.update(events or [])
        _wanted["names"] = frozenset(names)
        _wanted["until"] = now + float(getattr(settings, "CANDOR_WEBHOOK_WANTED_CACHE_SECONDS", 5.0))
    return name in _wanted["names"]


def webhooks_on_event(name: str, payloads: list[dict]) -> list[int]:
    """Create one delivery per active subscription that chose ``name``, per payload. Returns their ids.

    Each payload is one event with its own ``event_id`` (a UUID shared by every
    subscription's delivery of it). Rows are due now and claimed for a lease; their
    send tasks are queued after commit (``outbox.services.deliveries_queue_new``).
    """
    if name not in EVENT_NAMES:
        return []
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(active=True).only("pk", "events") if name in s.events
    ]
    if not subscriptions:
        return []
    now = timezone.now()
    claim = now + timedelta(seconds=float(settings.CANDOR_SEND_LEASE_SECONDS))
    rows = []
    for payload in payloads:
        event_id = uuid.uuid4()
        for subscription in subscriptions:
            rows.append(
                WebhookDelivery(
                    subscription=subscription,
                    event_id=event_id,
                    event=name,
                    payload=payload,
                    occurred_at=now,
                    send_after=now,
                    claimed_until=claim,
                    status=DeliveryStatus.SCHEDULED,
                )
            )
    created = WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created if row.pk is not None]
    deliveries_queue_new(kind=KIND, ids=ids)
    return ids


def webhook_body(row: WebhookDelivery) -> str:
    """The JSON body of a delivery: ``{"id", "type", "created", "data"}`` (compact, keys sorted)."""
    return json.dumps(
        {
            "id": str(row.event_id),
            "type": row.event,
            "created": row.occurred_at.isoformat(),
            "data": row.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def build_webhook_payload(row: WebhookDelivery) -> OutgoingPayload:
    """The outbox builder of the ``webhook`` kind: the body, built once (the engine stores and resends it)."""
    return OutgoingPayload(subject=row.event, body=webhook_body(row), envelope={"url": row.subscription.url})


def webhook_skip_reason(row: WebhookDelivery) -> str:
    """Why a delivery must not go (the row is cancelled with it), or ""."""
    if not row.subscription.active:
        return "Not sent: the subscription is paused."
    if row.event not in row.subscription.events:
        return "Not sent: the subscription no longer takes this event."
    return ""


def webhook_headers(row: WebhookDelivery, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers of a delivery's POST, signed now (``events.signing``) with the subscription's secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Candor-Webhooks/1",
        EVENT_HEADER: row.event,
        EVENT_ID_HEADER: str(row.event_id),
        DELIVERY_ID_HEADER: str(row.public_id),
        SIGNATURE_HEADER: sign(row.subscription.secret, body, timestamp),
    }


def webhook_transport(prepared) -> None:
    """The ``webhook`` kind's transport: POST the stored body, signed at this try, to the subscription's URL.

    The body is the same on every try (built once); the signature's timestamp is this
    try's, so a receiver's replay window holds for retries hours later. Records the
    receiver's answer code on the row. Raises ``TransportError`` / ``OutcomeUnknownError``
    (``outbox.http``): the engine retries, fails or marks the row unknown.
    """
    row: WebhookDelivery = prepared.row
    body = prepared.raw
    timeout = min(
        float(settings.CANDOR_WEBHOOK_TIMEOUT_SECONDS), float(settings.CANDOR_SEND_DEADLINE_SECONDS)
    )
    try:
        status = http_post(row.subscription.url, body, webhook_headers(row, body), timeout=timeout)
    except TransportError as exc:
        WebhookDelivery.objects.filter(pk=row.pk).update(response_code=exc.status)
        raise
    except OutcomeUnknownError:
        WebhookDelivery.objects.filter(pk=row.pk).update(response_code=None)
        raise
    WebhookDelivery.objects.filter(pk=row.pk).update(response_code=status)
