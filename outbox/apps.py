from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The sending engine. It names no other app: apps register their kinds in their own ``ready()``."""

    name = "outbox"
    verbose_name = "Outbox (sending engine)"

    def ready(self):
        # The services find the send tasks by name in the Celery app: make sure they are registered.
        from outbox import tasks  # noqa: F401
