"""Production: only what differs from base, still read from env vars."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs behind one TLS proxy that appends the client's address to X-Forwarded-For:
# login throttling and allauth's limits read it from there (docs/accounts.md, "Throttling").
CANDOR_TRUSTED_PROXY_COUNT = env.int("CANDOR_TRUSTED_PROXY_COUNT", default=1)
ALLAUTH_TRUSTED_PROXY_COUNT = CANDOR_TRUSTED_PROXY_COUNT
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The load balancer's health checks (/healthz, /healthz/ready) often come over plain HTTP
# from inside the network: answer them rather than redirect them to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]

# No built-in fallbacks here: links in emails and the addresses mail goes from and to must
# be real. core/checks.py makes `manage.py check --deploy` fail without them, and gunicorn,
# the Celery worker and beat refuse to start (CANDOR_REFUSE_TO_START_MISCONFIGURED).
CANDOR_BASE_URL = env("CANDOR_BASE_URL", default="")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CANDOR_HR_EMAIL = env("CANDOR_HR_EMAIL", default="")
CANDOR_REFUSE_TO_START_MISCONFIGURED = True

# Candidate links (signed tokens) never reach the logs: Django's messages ("Not Found:
# /c/<token>/", CSRF failures) are masked like gunicorn's access log (config/gunicorn.conf.py).
LOGGING = {
    **LOGGING,  # noqa: F405
    "filters": {
        **LOGGING.get("filters", {}),  # noqa: F405
        "mask_candidate_tokens": {"()": "config.log_masking.MaskCandidateTokens"},
    },
    "handlers": {
        name: {**handler, "filters": [*handler.get("filters", []), "mask_candidate_tokens"]}
        for name, handler in LOGGING["handlers"].items()  # noqa: F405
    },
}
