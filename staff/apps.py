from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff accounts: roles assigned by an Admin, SCIM provisioning, sessions."""

    name = "staff"
    default_auto_field = "django.db.models.BigAutoField"
