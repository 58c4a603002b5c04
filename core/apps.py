from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Candor core"

    def ready(self):
        # Deployment checks (manage.py check --deploy): registered when imported.
        from core import checks  # noqa: F401
