"""django-scim2 hooks named in SCIM_SERVICE_PROVIDER (config/settings/parts/staff.py)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django_scim import constants
from django_scim.models import SCIMServiceProviderConfig
from django_scim.settings import scim_settings

from core import roles


def base_location(request=None, *args, **kwargs) -> str:
    """Absolute base of SCIM locations: CANDOR_BASE_URL (scheme and host), as emails use."""
    return settings.CANDOR_BASE_URL.rstrip("/")


def extra_filter_kwargs_getter(model):
    """Groups over SCIM are the four roles only (core.roles.ALL); users are all users."""

    def get_extra_filter_kwargs(request, *args, **kwargs):
        if model is Group:
            return {"name__in": list(roles.ALL)}
        return {}

    return get_extra_filter_kwargs


class ServiceProviderConfig(SCIMServiceProviderConfig):
    """What Candor's SCIM service supports (RFC 7643 §5)."""

    def to_dict(self):
        return {
            "schemas": [constants.SchemaURI.SERVICE_PROVIDER_CONFIG],
            "documentationUri": scim_settings.DOCUMENTATION_URI,
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": 200},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": scim_settings.AUTHENTICATION_SCHEMES,
            "meta": self.meta,
        }
