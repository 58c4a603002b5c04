"""What the sending engine needs of every row it sends: states, due time, lease, tries, what went out.

Apps define concrete models that inherit ``Deliverable`` (letters, reminders,
answers, digests) and register a kind for each with ``outbox.kinds.register_kind``.
The engine has no tables of its own.
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
