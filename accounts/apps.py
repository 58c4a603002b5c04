from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in: SSO (OpenID Connect), two-factor, throttling, password reset."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.checks import register

        from accounts import checks, signals

        signals.connect()
        register(checks.check_sign_in_settings, "candor")
        register(checks.check_sign_in_deploy_settings, "candor", deploy=True)
