from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in: SSO (OpenID Connect), two-factor, throttling, password reset."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
