from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, and when. Written by services; never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # e.g. "letter.approved", "interview.override". The target is named by
    # model label and primary key so that one table serves every app.
    verb = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.BigIntegerField()
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.verb} {self.target_type}#{self.target_id}"


class ClosureDay(models.Model):
    """A day the whole organisation is closed (besides weekends and public holidays), added by HR.

    Not a business day for deadlines, send times and the late digest (``core.dates``).
    Written only through ``core.closures``, which audits.
    """

    day = models.DateField(unique=True, help_text="The organisation's local date.")
    label = models.CharField(max_length=120, help_text="What the closure is, e.g. “Office closed: move”.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"{self.day.isoformat()} {self.label}"


class Heartbeat(models.Model):
    """When a background process was last seen alive, on the database's clock.

    Two rows: ``beat`` (written by Celery beat's scheduler itself, ``core.beat``) and
    ``worker`` (written by a worker when it starts and each time it runs
    ``core.tasks.heartbeat_task``, which beat queues every minute). Read by the health
    endpoint and HR's home page (``core.heartbeats``). Operational, not audited.
    """

    name = models.CharField(max_length=32, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} seen at {self.seen_at:%Y-%m-%d %H:%M:%S}"
