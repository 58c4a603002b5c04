"""The outbox's public interface: what apps, tasks and tests call. The work is done in:

- ``outbox.kinds``: ``DeliveryKind``, the registry ``KINDS``, ``register_kind``, ``delivery_kind``;
- ``outbox.message_ids``: the one Message-ID generator, ``delivery_message_id``, and ``mail_domain``;
- ``outbox.claims``: due rows, leases on the database's clock, the sweep (``deliveries_claim_due``,
  ``deliveries_sweep``) and the recovery sweep (``deliveries_recover``);
- ``outbox.leases``: the lease keeper (renewals while a worker sends, each send's deadline);
- ``outbox.sending``: ``delivery_send``, ``deliveries_send_chunk``, retries (``delivery_retry``);
- ``outbox.marking``: the conditional writes of a row's state while it is sent;
- ``outbox.errors``: the engine's exceptions, ``Outcome``, and the reasons HR reads;
- ``outbox.backends``: the persistent SMTP email backend;
- ``outbox.http``: the HTTP POST that non-email transports (webhooks) use;
- ``outbox.reports``: the mail provider's delivery reports and the suppression list.

Apps import from here (and register kinds with ``outbox.kinds``), so the modules
behind it can change without touching them. docs/sending.md explains the engine.
"""

from outbox.backends import smtp_session_close
from outbox.claims import (
    RETRY_BACKOFF_MAX,
    deliveries_claim_due,
    deliveries_due_queryset,
    deliveries_queue_new,
    deliveries_recover,
    deliveries_stuck_queryset,
    deliveries_sweep,
    delivery_lease_until,
)
from outbox.errors import (
    UNKNOWN_OUTCOME,
    DeliveryError,
    DeliveryInterrupted,
    DeliveryStateError,
    NoRecipientError,
    Outcome,
    OutcomeUnknownError,
    TemporaryDeliveryError,
    TransportError,
)
from outbox.kinds import KINDS, DeliveryKind, OutgoingPayload, delivery_kind, register_kind
from outbox.message_ids import delivery_message_id, mail_domain
from outbox.reports import (
    address_suppressed,
    delivery_report_latest,
    delivery_report_record,
    delivery_reports_latest,
    suppression_add,
)
from outbox.sending import deliveries_send_chunk, delivery_retry, delivery_send

__all__ = [
    "KINDS",
    "RETRY_BACKOFF_MAX",
    "UNKNOWN_OUTCOME",
    "DeliveryError",
    "DeliveryInterrupted",
    "DeliveryKind",
    "DeliveryStateError",
    "NoRecipientError",
    "Outcome",
    "OutcomeUnknownError",
    "OutgoingPayload",
    "TemporaryDeliveryError",
    "TransportError",
    "address_suppressed",
    "deliveries_claim_due",
    "deliveries_due_queryset",
    "deliveries_queue_new",
    "deliveries_recover",
    "deliveries_send_chunk",
    "deliveries_stuck_queryset",
    "deliveries_sweep",
    "delivery_connections_close",
    "delivery_kind",
    "delivery_lease_until",
    "delivery_message_id",
    "delivery_report_latest",
    "delivery_report_record",
    "delivery_reports_latest",
    "delivery_retry",
    "delivery_send",
    "mail_domain",
    "register_kind",
    "suppression_add",
]


def delivery_connections_close() -> None:
    """Close this thread's kept mail connection (``outbox.backends.smtp_session_close``).

    Not one inherited from a parent process. Tests call it between cases.
    """
    smtp_session_close()
