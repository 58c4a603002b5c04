"""Settings of the staff part (imported at the end of config/settings/base.py).

Sessions (docs/staff.md): a signed-in session ends after CANDOR_SESSION_IDLE_MINUTES without a
request, and CANDOR_SESSION_ABSOLUTE_HOURS after sign-in whatever happens
(staff.middleware.SessionPolicyMiddleware). The session cookie lasts no longer than that.

SCIM 2.0 provisioning (django-scim2) at /scim/v2/, authenticated by bearer tokens that an
Admin creates in Candor (People -> SCIM tokens).
"""

import environ

env = environ.Env()

CANDOR_SESSION_IDLE_MINUTES = env.int("CANDOR_SESSION_IDLE_MINUTES", default=60)
CANDOR_SESSION_ABSOLUTE_HOURS = env.int("CANDOR_SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = CANDOR_SESSION_ABSOLUTE_HOURS * 3600

SCIM_SERVICE_PROVIDER = {
    "USER_ADAPTER": "staff.scim.adapters.StaffSCIMUser",
    "GROUP_ADAPTER": "staff.scim.adapters.StaffSCIMGroup",
    "USER_FILTER_PARSER": "staff.scim.filters.StaffUserFilterQuery",
    "GROUP_FILTER_PARSER": "staff.scim.filters.RoleGroupFilterQuery",
    "SERVICE_PROVIDER_CONFIG_MODEL": "staff.scim.config.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": "staff.scim.config.base_location",
    "GET_EXTRA_MODEL_FILTER_KWARGS_GETTER": "staff.scim.config.extra_filter_kwargs_getter",
    "AUTH_CHECK_MIDDLEWARE": "staff.scim.auth.ScimBearerAuth",
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="Candor SCIM"',
    "EXPOSE_SCIM_EXCEPTIONS": False,
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A token an Admin creates in Candor (People, SCIM tokens), sent as "
            "'Authorization: Bearer <token>'.",
            "primary": True,
        }
    ],
}
