"""API tokens and stored answers to Idempotency-Keys.

A token's key is shown once, when it is made; only its SHA-256 is stored (``key_hash``), with a
short ``prefix`` to find the row without scanning. A token acts as one staff user
(``acting_user``): the selectors and services apply that user's roles, so a token can never see
or do more than that person could in the app. ``scope`` narrows it further (read: safe methods
only), and so do ``jobs`` unless ``all_jobs``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    name = models.CharField(max_length=120, help_text="Shown in the audit trail of every write it makes.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    all_jobs = models.BooleanField(default=True)
    jobs = models.ManyToManyField("hiring.Job", blank=True, related_name="+")
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens_acting"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="api_tokens_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=["read", "write"]), name="api_token_scope")
        ]

    def __str__(self):
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotencyRecord(models.Model):
    """The first successful answer to a POST with an ``Idempotency-Key``, replayed for a retry.

    ``owner``: ``token:<id>`` or ``user:<id>`` (keys are scoped per token or signed-in user).
    ``fingerprint``: SHA-256 of the method, path and canonical JSON body of the first request.
    """

    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(help_text="0 while the first request runs.")
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key")]

    def __str__(self):
        return f"{self.owner} {self.key}"
