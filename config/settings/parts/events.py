"""Settings of the events part (imported at the end of config/settings/base.py).

Events out (signed webhooks) and delivery reports from the mail provider through
django-anymail's tracking webhooks. SMTP stays the email backend: anymail is used only
to receive and check the providers' reports (docs/events.md).
"""

import environ

env = environ.Env()

# Seconds per socket operation of a webhook POST (connect, write, read); at most the
# engine's per-send deadline (CANDOR_SEND_DEADLINE_SECONDS).
CANDOR_WEBHOOK_TIMEOUT_SECONDS = env.float("CANDOR_WEBHOOK_TIMEOUT_SECONDS", default=10.0)

# Which mail provider relays Candor's SMTP mail ("", "postmark", "mailgun" or "sendgrid"):
# outgoing messages then carry that provider's metadata header with Candor's Message-ID,
# which its delivery reports echo back.
CANDOR_MAIL_PROVIDER = env("CANDOR_MAIL_PROVIDER", default="")

# The providers whose tracking webhooks Candor accepts (comma-separated: postmark, mailgun,
# sendgrid). A provider not listed answers 404 at its URL, so an unconfigured one never runs.
CANDOR_DELIVERY_REPORT_PROVIDERS = [
    p.strip().lower() for p in env.list("CANDOR_DELIVERY_REPORT_PROVIDERS", default=[]) if p.strip()
]

# django-anymail: only what its tracking webhooks need (no ESP sending backend is used).
# WEBHOOK_SECRET: "user:password" for HTTP basic auth in the webhook URL you give the
# provider (Postmark, SendGrid: their only protection; Mailgun: as well as its signature).
ANYMAIL = {
    "WEBHOOK_SECRET": env.list("ANYMAIL_WEBHOOK_SECRET", default=[]),
    # Mailgun signs each webhook with its "HTTP webhook signing key" (HMAC-SHA256).
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
}

# How long a process may go on using the list of events that active subscriptions chose
# (events.delivery.webhooks_wanted): a new subscription gets every event from at most this
# many seconds after it was saved (at once in the process that saved it).
CANDOR_WEBHOOK_WANTED_CACHE_SECONDS = env.float("CANDOR_WEBHOOK_WANTED_CACHE_SECONDS", default=5.0)

# Webhook receivers on localhost, private or link-local addresses (a test or an internal setup).
# Off: such URLs are refused (events/forms.py receiver_url_problem).
CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
