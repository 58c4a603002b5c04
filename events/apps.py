from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Events out (signed webhook deliveries) and mail providers' delivery reports.

    ``ready()`` plugs the app into the layers below it (docs/architecture.md):
    - the ``webhook`` kind of the outbox (a delivery is a row the engine sends, with an
      HTTP transport instead of email);
    - a ``core.events`` listener that turns domain events into delivery rows;
    - django-anymail's ``tracking`` signal (the library's only way to report; Candor
      itself uses no signals), recorded by ``outbox.reports``.
    """

    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from anymail.signals import tracking

        from core.events import register_event_listener
        from events.delivery import webhooks_on_event, webhooks_wanted
        from events.reports import anymail_tracking_received
        from outbox.kinds import DeliveryKind, register_kind

        register_kind(
            DeliveryKind(
                name="webhook",
                model="events.WebhookDelivery",
                builder="events.delivery.build_webhook_payload",
                skip="events.delivery.webhook_skip_reason",
                transport="events.delivery.webhook_transport",
                select_related=("subscription",),
                own_sweep=False,  # due at once: the recovery sweep (every 15 s) claims what is due
                audit_prefix=None,  # the delivery log is the record; rows are not personal data
                event_prefix=None,  # a webhook's own outcome announces nothing (no loops)
            )
        )
        register_event_listener(webhooks_on_event, wants=webhooks_wanted)

        from django.core import checks

        from events.checks import delivery_report_providers_check

        checks.register(delivery_report_providers_check, deploy=True)
        tracking.connect(anymail_tracking_received, dispatch_uid="candor.events.anymail_tracking")
