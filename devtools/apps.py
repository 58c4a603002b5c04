from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo seed, scale seed and benchmarks. Listed only by the local, test and bench settings."""

    name = "devtools"
    verbose_name = "Development tools"
