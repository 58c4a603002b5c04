"""Delivery reports from the mail provider, and the suppression list every email send respects.

- ``delivery_report_record``: a provider said what became of a message (delivered,
  bounced, complained, rejected; from its tracking webhook, through django-anymail in
  the ``events`` app). It is matched to the row by Message-ID (stored on every row by
  ``outbox.message_ids``) and recorded as an ``outbox.models.DeliveryReport``; a hard
  bounce fails the row with "Bounced: fix the address and send again." (HR's retry then
  builds the message again, to the candidate's address as it is then) and announces
  ``<kind>.bounced``; a delivered report settles an *unknown* row as *sent*.
- A hard bounce or a complaint puts the address on the suppression list
  (``outbox.models.Suppression``, a keyed hash of the normalised address): every later
  send of an email kind to it fails with ``SUPPRESSED`` before anything is sent
  (``suppressed_reasons``, called by ``outbox.sending``).
- ``delivery_report_latest`` / ``delivery_reports_latest``: a row's latest reported state.

docs/sending.md ("Delivery reports and the suppression list") and docs/events.md.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from outbox.kinds import KINDS, DeliveryKind
from outbox.models import DeliveryReport, DeliveryStatus, Suppression

logger = logging.getLogger(__name__)

Event = DeliveryReport.Event

# What HR reads on a letter (or reminder) whose message bounced.
BOUNCED = "Bounced: fix the address and send again."
SUPPRESSED = (
    "Not sent: this address is on the suppression list (an earlier message to it bounced, or its "
    "owner marked one as spam). Fix the address and send again."
)
REJECTED = "The mail provider refused to send this message ({detail}): check the address and send again."


def address_key(address: str) -> str:
    """The suppression list's key of an email address: SHA-256 of the trimmed, lower-cased address (hex).

    Lower-casing the whole address matches ``candidates.emails.normalise_email``'s rule
    that addresses are unique case-insensitively. The list keeps no address in clear.
    """
    normalised = (address or "").strip().lower()
    return hashlib.sha256(f"candor.suppression:{normalised}".encode()).hexdigest()


def suppressed_reasons(spec: DeliveryKind, items: list) -> dict[int, str]:
    """Which prepared rows must not go because a recipient is suppressed: ``{row pk: SUPPRESSED}``.

    ``items``: ``outbox.sending.Prepared`` (their ``envelope["to"]``). One query for
    all of them; nothing for non-email kinds (webhooks) or an empty list.
    """
    if not spec.is_email or not items:
        return {}
    keys_of = {item.row.pk: {address_key(a) for a in item.envelope.get("to", [])} for item in items}
    every_key = set().union(*keys_of.values())
    if not every_key:
        return {}
    listed = set(Suppression.objects.filter(address_key__in=every_key).values_list("address_key", flat=True))
    return {pk: SUPPRESSED for pk, keys in keys_of.items() if keys & listed}


def address_suppressed(address: str) -> bool:
    """True if ``address`` is on the suppression list."""
    return Suppression.objects.filter(address_key=address_key(address)).exists()


def suppression_add(*, address: str, reason: str, provider: str = "") -> bool:
    """Put ``address`` on the suppression list (a ``Suppression.Reason``). Returns True if it was not on it.

    Audited as ``suppression.added`` (the audit row names the list entry, not the address).
    """
    with transaction.atomic():
        entry, created = Suppression.objects.get_or_create(
            address_key=address_key(address), defaults={"reason": reason, "provider": provider[:30]}
        )
        if created:
            audit_record(
                actor=None, verb="suppression.added", target=entry, reason=entry.get_reason_display()
            )
    return created


def _bare(message_id: str) -> str:
    return (message_id or "").strip().strip("<>").strip()


def delivery_row_for_message_id(message_id: str) -> tuple[DeliveryKind, int] | None:
    """The email kind and row pk that sent ``message_id`` (with or without its angle brackets), or None."""
    bare = _bare(message_id)
    if not bare:
        return None
    for spec in KINDS.values():
        if not spec.is_email:
            continue
        pk = (
            spec.model_class.objects.filter(message_id__in=[f"<{bare}>", bare])
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            return spec, pk
    return None


def delivery_report_record(
    *,
    provider: str,
    event: str,
    message_id: str,
    at: datetime | None = None,
    provider_event_id: str = "",
    recipient: str = "",
    detail: str = "",
) -> DeliveryReport | None:
    """Record what the mail provider reported about one message, and act on it. Returns the report.

    ``event``: a ``DeliveryReport.Event`` value (delivered, bounced, complained, rejected,
    deferred); ``message_id``: the message's Message-ID, as the provider echoes it;
    ``at``: when it happened (default now); ``provider_event_id``: the provider's id of
    the event, so a replayed webhook records nothing new (returns None then);
    ``recipient``: used only to key the suppression list, never stored; ``detail``: a
    short reason without personal data (cut to 300 characters).

    - bounced: the recipient is suppressed (hard bounce); a *sent* or *unknown* row
      becomes *failed* with ``BOUNCED``, audited and announced as ``<kind>.bounced``.
    - complained: the recipient is suppressed (complaint); the row stays as it is.
    - rejected: a *sent* or *unknown* row becomes *failed* with ``REJECTED`` (announced
      as ``<kind>.failed``).
    - delivered: an *unknown* row is settled as *sent* (announced as ``<kind>.sent``).
    A report for a Message-ID Candor did not send is recorded without a row.
    """
    from outbox.marking import SENT, SETTLED, row_audit

    if event not in Event.values:
        raise ValueError(f"Unknown delivery report event {event!r}.")
    at = at or timezone.now()
    found = delivery_row_for_message_id(message_id)
    spec, pk = found if found else (None, None)
    try:
        with transaction.atomic():
            report = DeliveryReport.objects.create(
                provider=provider[:30],
                provider_event_id=(provider_event_id or "")[:200],
                message_id=_bare(message_id)[:200],
                kind=spec.name if spec else "",
                row_id=pk,
                event=event,
                at=at,
                detail=(detail or "")[:300],
            )
            if recipient and event == Event.BOUNCED:
                suppression_add(address=recipient, reason=Suppression.Reason.HARD_BOUNCE, provider=provider)
            if recipient and event == Event.COMPLAINED:
                suppression_add(address=recipient, reason=Suppression.Reason.COMPLAINT, provider=provider)
            if spec is None:
                return report
            model = spec.model_class
            row = model(pk=pk)
            settled = model.objects.filter(pk=pk, status__in=[DeliveryStatus.SENT, DeliveryStatus.UNKNOWN])
            if event == Event.BOUNCED:
                if settled.update(status=DeliveryStatus.FAILED, last_error=BOUNCED, **SETTLED):
                    row_audit(spec, row, "bounced", BOUNCED)
            elif event == Event.REJECTED:
                reason = REJECTED.format(detail=(detail or "no reason given")[:200])
                if settled.update(status=DeliveryStatus.FAILED, last_error=reason, **SETTLED):
                    row_audit(spec, row, "failed", reason)
            elif event == Event.DELIVERED:
                if model.objects.filter(pk=pk, status=DeliveryStatus.UNKNOWN).update(
                    status=DeliveryStatus.SENT, last_error="", **SENT
                ):
                    row_audit(spec, row, "sent", "Settled by the mail provider's delivery report.")
    except IntegrityError:
        # The same provider event again (a replayed webhook): already recorded.
        return None
    return report


def delivery_reports_latest(kind: str, pks: list[int]) -> dict[int, DeliveryReport]:
    """The latest delivery report of each row of ``kind`` among ``pks`` (if it has one). One query."""
    latest: dict[int, DeliveryReport] = {}
    for report in DeliveryReport.objects.filter(kind=kind, row_id__in=list(pks)).order_by(
        "row_id", "at", "pk"
    ):
        latest[report.row_id] = report
    return latest


def delivery_report_latest(kind: str, pk: int) -> DeliveryReport | None:
    """The latest delivery report of one row, or None."""
    return DeliveryReport.objects.filter(kind=kind, row_id=pk).order_by("-at", "-pk").first()
