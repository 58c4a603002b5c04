from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The sending engine. It names no other app: apps register their kinds in their own ``ready()``."""

    name = "outbox"
    verbose_name = "Outbox (sending engine)"

    def ready(self):
        # The services find the send tasks by name in the Celery app: make sure they are registered.
        # The readiness report (core/health.py) shows how long the oldest due row has waited.
        from core.health import register_health_probe
        from outbox import tasks  # noqa: F401
        from outbox.health import outbox_oldest_due

        register_health_probe("outbox", outbox_oldest_due)
