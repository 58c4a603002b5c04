"""System checks of the events app: a mail provider listed for delivery reports must have its check set up."""

from django.conf import settings
from django.core import checks


def delivery_report_providers_check(app_configs=None, **kwargs) -> list:
    """Warn (``events.W001``) for each report provider switched on whose URL would answer 404.

    Postmark and SendGrid need ``ANYMAIL_WEBHOOK_SECRET`` (basic auth); Mailgun its
    signing key; an unknown name is never served.
    """
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    problems = []
    for provider in getattr(settings, "CANDOR_DELIVERY_REPORT_PROVIDERS", []):
        if provider not in ("postmark", "mailgun", "sendgrid"):
            missing = "a supported provider name (postmark, mailgun, sendgrid)"
        elif provider == "mailgun" and not anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
            missing = "ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY"
        elif provider != "mailgun" and not anymail.get("WEBHOOK_SECRET"):
            missing = "ANYMAIL_WEBHOOK_SECRET (user:password for basic auth)"
        else:
            continue
        problems.append(
            checks.Warning(
                f"Delivery reports from {provider!r} are switched on but lack {missing}: "
                "its webhook URL answers 404 and no report is recorded.",
                id="events.W001",
            )
        )
    return problems
