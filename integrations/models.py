"""ATS webhooks in: the vendor connections, the mappings HR keeps between the ATS and Candor, the
inbox of raw events, and the ATS rejections waiting for their decider's feedback points."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Vendor(models.TextChoices):
    GREENHOUSE = "greenhouse", "Greenhouse"
    LEVER = "lever", "Lever"
    ASHBY = "ashby", "Ashby"


# Where each vendor's API lives (the connection may point elsewhere: a regional host, or a test's
# local server serving recorded responses).
DEFAULT_API_BASE = {
    Vendor.GREENHOUSE: "https://harvest.greenhouse.io",
    Vendor.LEVER: "https://api.lever.co",
    Vendor.ASHBY: "https://api.ashbyhq.com",
}


class AtsConnection(models.Model):
    """One ATS account. The webhook secret signs what the ATS posts; the API key fetches scorecards
    and writes "feedback sent" back. Both are stored as given (an HMAC needs the secret itself) and
    never shown back in full (``masked``)."""

    vendor = models.CharField(max_length=20, choices=Vendor.choices, unique=True)
    enabled = models.BooleanField(default=True)
    webhook_secret = models.CharField(max_length=200, blank=True)
    api_key = models.CharField(max_length=200, blank=True)
    api_base_url = models.URLField(max_length=200, blank=True)
    # The HR user Candor's writes are recorded as (candidates, applications, panels): the audit
    # rows name them, with the vendor as source.
    act_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The ATS user id notes are written as (Greenhouse On-Behalf-Of, Lever perform_as); Ashby's key
    # writes as itself.
    notes_as_user_id = models.CharField(max_length=100, blank=True)
    bad_signatures = models.PositiveIntegerField(default=0)
    last_bad_signature_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor"]

    def __str__(self):
        return self.get_vendor_display()

    @property
    def base_url(self) -> str:
        return (self.api_base_url or DEFAULT_API_BASE[self.vendor]).rstrip("/")


def masked(secret: str) -> str:
    """A stored secret as shown to people: its last 4 characters only ("…a1b2"), or "not set"."""
    if not secret:
        return "not set"
    return "…" + secret[-4:] if len(secret) > 8 else "set"


class AtsMapping(models.Model):
    """HR's mapping of one ATS job, stage or user to its Candor job, stage or user."""

    class Kind(models.TextChoices):
        JOB = "job", "Job"
        STAGE = "stage", "Stage"
        USER = "user", "User"

    connection = models.ForeignKey(AtsConnection, on_delete=models.CASCADE, related_name="mappings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    external_id = models.CharField("ATS id", max_length=100)
    external_name = models.CharField("name in the ATS", max_length=200, blank=True)
    job = models.ForeignKey("hiring.Job", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(
        "hiring.Stage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["connection", "kind", "external_name", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind", "external_id"], name="ats_mapping_unique"),
            models.CheckConstraint(
                condition=(Q(kind="job", job__isnull=False, stage__isnull=True, user__isnull=True))
                | (Q(kind="stage", stage__isnull=False, job__isnull=True, user__isnull=True))
                | (Q(kind="user", user__isnull=False, job__isnull=True, stage__isnull=True)),
                name="ats_mapping_target_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.external_id}"

    @property
    def target(self):
        return self.job or self.stage or self.user


class InboundEvent(models.Model):
    """One webhook delivery as received (after its signature was verified), and what became of it."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        DONE = "done", "Processed"
        IGNORED = "ignored", "Nothing to do"
        NEEDS_MAPPING = "needs_mapping", "Needs mapping"
        FAILED = "failed", "Failed"
        DISMISSED = "dismissed", "Dismissed by HR"

    connection = models.ForeignKey(AtsConnection, on_delete=models.CASCADE, related_name="events")
    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    # The vendor's id of this event (Greenhouse-Event-ID, Lever's id, or a digest of the body):
    # a replay has the same one, and the unique constraint makes it change nothing.
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    # For HR: why it failed or what it waits for (ATS ids and names of jobs, stages and staff).
    error = models.TextField(blank=True)
    # [{"kind": "job", "external_id": "...", "external_name": "..."}]: what HR must map.
    missing = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    application = models.ForeignKey(
        "hiring.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "event_id"], name="inbound_event_unique_vendor_id"),
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_event_state_idx")]

    def __str__(self):
        return f"{self.get_vendor_display()} {self.event_type} {self.event_id}"


class AtsRejection(models.Model):
    """An application the ATS rejected: in Candor a no-hire waiting for its decider's feedback points.

    The application stays open at the stage the ATS rejected it at, with the decider able to decide
    (the job's hiring manager, or put on that stage's panel). The decider records the no-hire with
    the app's own decision form; the no-hire handler (``integrations.services``) then marks this row
    decided, and feedback drafts the letter as for any no-hire.
    """

    class State(models.TextChoices):
        AWAITING_POINTS = "awaiting_points", "Waiting for the decider's points"
        DECIDED = "decided", "Decided"
        FEEDBACK_SENT = "feedback_sent", "Feedback sent, written back to the ATS"

    connection = models.ForeignKey(AtsConnection, on_delete=models.CASCADE, related_name="rejections")
    external_application_id = models.CharField(max_length=100)
    external_candidate_id = models.CharField(max_length=100, blank=True)
    application = models.OneToOneField(
        "hiring.Application", on_delete=models.CASCADE, related_name="ats_rejection"
    )
    stage = models.ForeignKey("hiring.Stage", on_delete=models.PROTECT, related_name="+")
    decider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        InboundEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.AWAITING_POINTS)
    decision = models.ForeignKey(
        "hiring.Decision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feedback_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_application_id"], name="ats_rejection_unique_application"
            ),
        ]
        indexes = [models.Index(fields=["decider", "state"], name="ats_rejection_decider_idx")]

    def __str__(self):
        return f"{self.connection} application {self.external_application_id}"
