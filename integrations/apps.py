from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """ATS webhooks in (Greenhouse, Lever, Ashby): inbox, processing, mappings."""

    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"
