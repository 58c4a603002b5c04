from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """ATS webhooks in (Greenhouse, Lever, Ashby): inbox, processing, mappings."""

    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Register with hiring's no-hire hook (hiring/hooks.py): a no-hire on an application the
        ATS rejected marks that rejection decided, in the decision's transaction."""
        from hiring.hooks import register_no_hire_handler
        from integrations.services import ats_rejection_on_no_hire

        register_no_hire_handler(ats_rejection_on_no_hire)
