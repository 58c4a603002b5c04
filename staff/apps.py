from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff accounts: roles assigned by an Admin, SCIM provisioning, sessions."""

    name = "staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from staff.signals import stamp_session_on_sign_in

        user_logged_in.connect(stamp_session_on_sign_in, dispatch_uid="staff.stamp_session")
