from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/): views over the apps' selectors and services, token auth."""

    name = "api"
    default_auto_field = "django.db.models.BigAutoField"
