"""What the sending engine needs of every row it sends: states, due time, lease, tries, what went out.

Apps define concrete models that inherit ``Deliverable`` (letters, reminders,
answers, digests, webhook deliveries) and register a kind for each with
``outbox.kinds.register_kind``. The engine's own tables are the mail provider's
delivery reports (``DeliveryReport``) and the suppression list (``Suppression``):
``outbox.reports`` writes and reads them.
"""

from django.db import models


class DeliveryStatus(models.TextChoices):
    """States shared by everything Candor emails to a candidate.

    A row is *scheduled* with a due time (``send_after``); the sweep hands its id
    to a worker and leases it (``claimed_until``); the worker moves it
    scheduled → sending → sent with conditional updates, so that a second run of
    the same task finds nothing to do. *unknown*: the SMTP dialogue broke after
    the message was handed over and before the server answered, so it may have
    arrived; the engine does not send it again by itself (docs/sending.md).
    """

    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    UNKNOWN = "unknown", "Unknown: may have been received"


class Deliverable(models.Model):
    send_after = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Stable per row: a redelivered send carries the same Message-ID.
    message_id = models.CharField(max_length=200, blank=True)
    # The exact message that went out.
    sent_subject = models.CharField(max_length=300, blank=True)
    sent_text = models.TextField(blank=True)
    sent_html = models.TextField(blank=True)
    # The exact bytes and envelope of the message, built once on the first take and
    # sent again unchanged by every later try (None for kinds with keep_bodies=False).
    sent_raw = models.BinaryField(null=True, blank=True, editable=False)
    sent_envelope = models.JSONField(null=True, blank=True, editable=False)
    # When the current run of temporary failures began (4xx, refused, timed out);
    # the row is failed once CANDOR_SEND_RETRY_HOURS have passed since. None: no failure.
    failing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class DeliveryReport(models.Model):
    """What the mail provider reported about a message the engine sent (its tracking webhook).

    Matched to the row by its Message-ID. ``detail``: the provider's reason in a few words
    (a bounce type, an SMTP code), never the recipient's address or the message.
    """

    class Event(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"
        REJECTED = "rejected", "Rejected by the provider"
        DEFERRED = "deferred", "Delayed"

    provider = models.CharField(max_length=30)
    # The provider's own event id, when it has one: a replayed webhook records nothing new.
    provider_event_id = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, blank=True)
    row_id = models.BigIntegerField(null=True, blank=True)
    event = models.CharField(max_length=12, choices=Event.choices)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "row_id", "-at"], name="report_row_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                condition=~models.Q(provider_event_id=""),
                name="report_provider_event_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.row_id}: {self.event}"


class Suppression(models.Model):
    """An address no email may go to any more: it bounced hard, or its owner complained.

    Stored as a keyed hash of the normalised address (``outbox.reports.address_key``),
    so the list names nobody. Every later send of an email kind checks it: a row to a
    suppressed address fails with a reason HR reads, never sent.
    """

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        COMPLAINT = "complaint", "Spam complaint"

    address_key = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    provider = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.created_at:%Y-%m-%d})"
