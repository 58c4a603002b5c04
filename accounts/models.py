"""The sign-in policy an Admin sets in the app (docs/accounts.md, "Two-factor")."""

from django.db import models


class SecurityPolicy(models.Model):
    """One row (pk 1): which roles must use a second factor, on top of CANDOR_REQUIRE_2FA_ROLES.

    Changed only through ``accounts.services.set_security_policy`` (audited).
    """

    require_2fa_for_hr = models.BooleanField(
        "Require two-factor for HR", default=False, help_text="HR users must set up a second factor."
    )
    require_2fa_for_admin = models.BooleanField(
        "Require two-factor for Admins",
        default=False,
        help_text="Admins (and break-glass superusers) must set up a second factor.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "security policy"
        verbose_name_plural = "security policy"

    def __str__(self):
        return "Security policy"
