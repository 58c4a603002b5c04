from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Events out (signed webhook deliveries) and mail providers' delivery reports."""

    name = "events"
    default_auto_field = "django.db.models.BigAutoField"
