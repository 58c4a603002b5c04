from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from candidates.validators import validate_time_zone


class Candidate(models.Model):
    name = models.CharField(max_length=200)
    # Unique regardless of case: a database constraint on lower(email).
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Berlin. Reminders arrive in the candidate's morning.",
    )
    # Consent to keep their data and contact them about this and future roles.
    consent_given_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="candidate_email_ci_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def unsubscribed(self) -> bool:
        return self.unsubscribed_at is not None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def contactable(self) -> bool:
        return not self.unsubscribed and not self.erased
