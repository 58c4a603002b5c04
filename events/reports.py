"""Mail providers' delivery reports, as django-anymail normalises them, handed to ``outbox.reports``.

Anymail's tracking webhook views (events/urls.py: Postmark, Mailgun, SendGrid) check
each provider's signature or basic auth, then send its ``tracking`` signal with an
``AnymailTrackingEvent``; ``anymail_tracking_received`` maps it to a
``DeliveryReport`` event and records it (matched to the row by Message-ID). Events
that say nothing about delivery (opened, clicked, queued...) are ignored.
"""

from __future__ import annotations

import logging
import re

from outbox.models import DeliveryReport
from outbox.services import delivery_report_record

logger = logging.getLogger(__name__)

# The SMTP reply code in a provider's MTA response ("smtp;550 5.1.1 ..."): the only part kept.
SMTP_CODE = re.compile(r"(?<!\d)([245]\d\d)(?!\d)")

# anymail's normalised event types -> what Candor records.
EVENT_MAP = {
    "delivered": DeliveryReport.Event.DELIVERED,
    "bounced": DeliveryReport.Event.BOUNCED,
    "complained": DeliveryReport.Event.COMPLAINED,
    "rejected": DeliveryReport.Event.REJECTED,
    "deferred": DeliveryReport.Event.DEFERRED,
}


def report_message_id(event) -> str:
    """The Message-ID to match: Candor's own one, if the provider echoes it in metadata, else the event's."""
    metadata = getattr(event, "metadata", None) or {}
    return str(metadata.get("candor_message_id") or event.message_id or "")


def report_detail(event) -> str:
    """A short reason without personal data: the normalised reject reason and the SMTP code, if any."""
    parts = []
    if getattr(event, "reject_reason", None):
        parts.append(str(event.reject_reason))
    response = str(getattr(event, "mta_response", "") or "")
    code = SMTP_CODE.search(response)
    if code:
        parts.append(code.group(1))
    return " ".join(parts)


def soft_bounce(esp_name: str, esp_event: dict) -> bool:
    """A report anymail calls "bounced" that does not mean the address is dead.

    Postmark: anything but ``Type: HardBounce`` (SoftBounce, virus notices); SendGrid:
    ``type: blocked`` (the receiving server refused for now, e.g. a block list).
    """
    provider = str(esp_name).lower()
    if provider == "postmark":
        return esp_event.get("Type", "HardBounce") != "HardBounce"
    if provider == "sendgrid":
        return esp_event.get("type", "bounce") == "blocked"
    return False


def anymail_tracking_received(sender, event, esp_name, **kwargs) -> None:
    """anymail's ``tracking`` signal receiver: record a report (``outbox.reports.delivery_report_record``).

    Logs the provider and event type only (no address, no Message-ID).
    """
    recorded = EVENT_MAP.get(event.event_type)
    if recorded is None:
        return
    esp_event = getattr(event, "esp_event", None)
    if (
        recorded == DeliveryReport.Event.BOUNCED
        and isinstance(esp_event, dict)
        and soft_bounce(esp_name, esp_event)
    ):
        recorded = DeliveryReport.Event.DEFERRED
    message_id = report_message_id(event)
    if not message_id:
        logger.info("delivery report from %s (%s) without a Message-ID: ignored", esp_name, event.event_type)
        return
    delivery_report_record(
        provider=str(esp_name).lower(),
        event=recorded,
        message_id=message_id,
        at=event.timestamp,
        provider_event_id=str(event.event_id or ""),
        recipient=event.recipient or "",
        detail=report_detail(event),
    )
