"""Settings of the api part (imported at the end of config/settings/base.py).

The REST API (Django REST Framework), its OpenAPI 3 schema (drf-spectacular, with the Swagger UI
assets vendored by drf-spectacular-sidecar: no CDN) and its tokens. docs/api.md explains them.
"""

import environ

_env = environ.Env()

REST_FRAMEWORK = {
    # Bearer API tokens first, so an unauthenticated call answers 401 with
    # "WWW-Authenticate: Bearer"; sessions (with CSRF) for staff using the reference page.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON; form posts too (HTML forms and the test client), parsed to the same serializers.
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Candor API",
    "DESCRIPTION": (
        "Jobs, candidates, applications, interviews, scorecards, decisions, feedback letters, "
        "reapply reminders and requests for more detail, as the token's acting user may see "
        "them. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar (static files, no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "ENUM_NAME_OVERRIDES": {
        "LetterStatusEnum": "feedback.models.FeedbackLetter.Status",
        "RequestStatusEnum": "feedback.models.FeedbackRequest.Status",
        "DeliveryStatusEnum": "outbox.models.DeliveryStatus",
        "JobStatusEnum": "hiring.models.Job.Status",
        "ApplicationStatusEnum": "hiring.models.Application.Status",
        "ScorecardStatusEnum": "hiring.models.Scorecard.Status",
    },
}

# How long a stored answer to an Idempotency-Key is replayed (hours).
CANDOR_API_IDEMPOTENCY_HOURS = _env.int("CANDOR_API_IDEMPOTENCY_HOURS", default=24)
# A token's last_used_at is written at most this often (seconds): one UPDATE a minute, not per call.
CANDOR_API_TOKEN_TOUCH_SECONDS = 60
