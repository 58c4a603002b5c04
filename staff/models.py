"""Staff accounts: per-user session epoch and SCIM link; SCIM bearer tokens (hashed at rest)."""

from django.conf import settings
from django.db import models


class StaffAccount(models.Model):
    """What Candor keeps about a staff user besides Django's ``User`` (created on first need).

    - ``session_epoch``: raised by "sign out everywhere", a forced sign-out and deactivation.
      Every session carries the epoch it was signed in under (``staff.sessions``); a session
      whose epoch is older is ended by ``staff.middleware.SessionPolicyMiddleware`` on its
      next request, whatever the session backend.
    - ``scim_external_id``: the identity provider's ``externalId`` for the user (SCIM), if any.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_account"
    )
    session_epoch = models.PositiveIntegerField(default=0)
    scim_external_id = models.CharField(max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"staff account #{self.user_id}"


class ScimToken(models.Model):
    """A bearer token an identity provider uses for SCIM provisioning.

    Only the SHA-256 of the token is stored; the token itself is shown once, when an Admin
    creates it. ``prefix`` (its first characters) lets people tell tokens apart. A revoked
    token is kept (the audit trail names it) and never accepted again.
    """

    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"SCIM token {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class StaffSession(models.Model):
    """The session keys a user signed in with, so that all of them can be ended at once.

    Written at sign-in (and when a session's key changes); read only to end the user's
    sessions. Rows of sessions older than the absolute timeout are pruned at each sign-in.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"session of user #{self.user_id}"
