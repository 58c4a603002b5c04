"""Settings shared by every environment. Values come from env vars (django-environ).

Environment variable names (every one is listed in .env.example):
- ``DJANGO_*`` feed Django's settings and those of the Django apps it runs (axes);
- ``CANDOR_*`` feed Candor's own settings;
- ``CELERY_*`` feed Celery's settings (the variable has the setting's name);
- ``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL`` are the usual 12-factor connection URLs.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    # Staff sign-in (accounts/, docs/accounts.md): django-allauth with OpenID Connect and 2FA.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "anymail",
    "django_scim",
    "core",
    "outbox",
    "candidates",
    "hiring",
    "feedback",
    "accounts",
    "staff",
    "api",
    "integrations",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The candidate's pages in their language; staff pages stay in LANGUAGE_CODE (parts/i18n.py).
    "feedback.portal.middleware.CandidateLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle/absolute session timeouts and "sign out everywhere" (staff/sessions.py).
    "staff.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # allauth's sign-in stages; then the 2FA policy (accounts/middleware.py) for signed-in users.
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    # Axes must be last: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend plus what allauth's sign-in flows need.
    "allauth.account.auth_backends.AuthenticationBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.candor",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'candor.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and an IMMEDIATE transaction mode let the web app, the worker and
    # beat share one SQLite file without "database is locked" errors.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# LANGUAGES (the shipped catalogues) and the candidate's languages: config/settings/parts/i18n.py.
USE_I18N = True
USE_TZ = True
# The organisation's time zone: the default send time ("next business morning")
# and deadlines are computed in it.
TIME_ZONE = env("CANDOR_TIME_ZONE", default="Europe/London")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email. EMAIL_URL is e.g. smtp://user:pass@host:587 or smtp+tls://..., consolemail://.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    # Django's SMTP backend with one session per worker process kept open across
    # messages, instead of a TCP and EHLO round trip per letter (outbox/backends.py).
    EMAIL_CONFIG["EMAIL_BACKEND"] = "outbox.backends.PersistentSMTPBackend"
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Candor <feedback@candor.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions and cookies: safe defaults everywhere; production adds Secure.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): no inline scripts or styles, nothing
# from another origin. htmx's own indicator styles are switched off in base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login throttling (django-axes with Candor's handler: progressive delays per username and
# address, per address, per username and overall): config/settings/parts/accounts.py.

# Celery. Redis in production; the demo uses the filesystem transport (local.py).
CELERY_BROKER_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_IGNORE_RESULT = True
# Exactly-once relies on late acks: a task whose worker dies is redelivered,
# and the row's conditional state change makes the second run a no-op.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# Every periodic job lives here. Nothing waits in the broker for long: future
# sends are rows with a due time, and these sweeps hand out the due ids.
CELERY_BEAT_SCHEDULE = {
    # Approved letters whose send time has come (and leases that expired).
    "letters-sweep": {
        "task": "outbox.tasks.outbox_sweep_task",
        "args": ("letter",),
        "schedule": 60.0,
    },
    # Reapply reminders. Due times are in each candidate's time zone, so the
    # sweep runs every 15 minutes rather than once a day at one hour; it reads
    # only due rows through a partial index, so it costs almost nothing.
    "reminders-sweep": {
        "task": "outbox.tasks.outbox_sweep_task",
        "args": ("reminder",),
        "schedule": 15 * 60.0,
    },
    # Answers to candidates' requests for more detail, once HR approved them.
    "answers-sweep": {
        "task": "outbox.tasks.outbox_sweep_task",
        "args": ("answer",),
        "schedule": 60.0,
    },
    # No ghosting: a morning digest of late letters and unanswered requests.
    # It creates the day's digest rows and sends them at once through the outbox.
    # Every morning; it sends nothing on a day that is not a business day (weekends, public
    # holidays, closure days: core.dates.is_business_day), and the next one lists everything.
    "late-digest": {
        "task": "feedback.tasks.late_digest_task",
        "schedule": crontab(hour=8, minute=0),
        "kwargs": {"business_days_only": True},
    },
    # Rows of every kind whose worker died (lease not renewed) or whose queued task was
    # lost (Redis emptied), and rows whose wait for the mail server is over: queued again
    # within a lease (30 s) plus this interval. Reads only due and stuck rows by index.
    "outbox-recover-sweep": {
        "task": "outbox.tasks.outbox_recover_task",
        "schedule": 15.0,
    },
    # Digests the morning run could not send (the mail server failed, or the run
    # died): sent once their claim runs out, like every other row.
    "digests-sweep": {
        "task": "outbox.tasks.outbox_sweep_task",
        "args": ("digest",),
        "schedule": 5 * 60.0,
    },
    # Retention: erase candidates inactive past CANDOR_RETENTION_DAYS.
    "retention": {
        "task": "feedback.tasks.retention_sweep_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # The worker's heartbeat: a worker that runs it is taking tasks. The health endpoint and
    # HR's home page warn when it is older than a few minutes (core/heartbeats.py).
    "heartbeat": {
        "task": "core.tasks.heartbeat_task",
        "schedule": 60.0,
    },
    # ATS events whose processing task was lost (broker down or emptied): queued again once
    # they have waited 5 minutes in the inbox (integrations.services.inbound_events_requeue_stale).
    "ats-inbox-recover": {
        "task": "integrations.tasks.inbound_events_recover_task",
        "schedule": 5 * 60.0,
    },
}
# Celery's file-backed scheduler, which also marks beat's own heartbeat every minute
# (core/beat.py), so a stopped beat is seen even while the worker is fine.
CELERY_BEAT_SCHEDULER = "core.beat:HeartbeatScheduler"

# Candor's own settings.
CANDOR_ORG_NAME = env("CANDOR_ORG_NAME", default="Example Ltd")
# Absolute base URL used in emails (links cannot be relative there).
CANDOR_BASE_URL = env("CANDOR_BASE_URL", default="http://127.0.0.1:8000")
CANDOR_HR_EMAIL = env("CANDOR_HR_EMAIL", default="hr@candor.example")
CANDOR_CAREERS_URL = env("CANDOR_CAREERS_URL", default="")
# Letters are sent by default at this local hour on the next business day.
CANDOR_SEND_HOUR = env.int("CANDOR_SEND_HOUR", default=9)
# Candidate links (signed) expire after this many days, or CANDOR_LINK_GRACE_DAYS after
# the reapply date they point to, whichever is later (feedback/portal/selectors.py:
# link_expires_at). One-click unsubscribe links never expire.
CANDOR_LINK_MAX_AGE_DAYS = env.int("CANDOR_LINK_MAX_AGE_DAYS", default=365)
CANDOR_LINK_GRACE_DAYS = env.int("CANDOR_LINK_GRACE_DAYS", default=60)
# A candidate link opened from an email is exchanged for a session slot that works this many
# minutes in that browser only (feedback/portal/sessions.py): no working token in history.
CANDOR_CANDIDATE_SESSION_MINUTES = env.int("CANDOR_CANDIDATE_SESSION_MINUTES", default=120)
# Business days skip the public holidays of this country and region (the holidays
# package: an ISO 3166-1 alpha-2 code such as GB or DE, and its subdivision code such
# as ENG or BY) and HR's closure days. Empty (the default): derived from TIME_ZONE
# (core/dates.py: region_for_time_zone; Europe/London -> GB, ENG; Europe/Berlin -> DE).
CANDOR_COUNTRY = env("CANDOR_COUNTRY", default="")
CANDOR_SUBDIVISION = env("CANDOR_SUBDIVISION", default="")
# Personal data of inactive candidates is erased after this many days.
CANDOR_RETENTION_DAYS = env.int("CANDOR_RETENTION_DAYS", default=730)
# Days a decider has to answer a candidate's request for more detail.
CANDOR_REQUEST_DEADLINE_DAYS = env.int("CANDOR_REQUEST_DEADLINE_DAYS", default=5)
# Sending (docs/sending.md). Temporary failures (4xx, refused, timed out): the first
# CANDOR_SEND_MAX_RETRIES tries are retried by the task itself (back-off ≤ 5 minutes),
# later ones wait in the database (doubling up to CANDOR_SEND_RETRY_MAX_WAIT_SECONDS)
# until CANDOR_SEND_RETRY_HOURS have passed since the first failure; then the row fails.
CANDOR_SEND_MAX_RETRIES = env.int("CANDOR_SEND_MAX_RETRIES", default=5)
CANDOR_SEND_RETRY_HOURS = env.float("CANDOR_SEND_RETRY_HOURS", default=24)
CANDOR_SEND_RETRY_MAX_WAIT_SECONDS = env.float("CANDOR_SEND_RETRY_MAX_WAIT_SECONDS", default=1800)
# The lease after which a claimed but unsent row is handed out again. A worker renews the
# lease of the rows it sends every third of it, so it can be short: a dead worker's rows
# go out again within a lease plus one recovery sweep (outbox-recover-sweep, 15 s).
CANDOR_SEND_LEASE_SECONDS = env.int("CANDOR_SEND_LEASE_SECONDS", default=30)
# One message may take this long, from connecting to the server's last answer (EMAIL_TIMEOUT
# bounds each read only); past it the session is cut and the outcome settled.
CANDOR_SEND_DEADLINE_SECONDS = env.float("CANDOR_SEND_DEADLINE_SECONDS", default=60)
# A chunk starts no new message after this long; it hands the rest back to the queue.
CANDOR_SEND_CHUNK_SECONDS = env.float("CANDOR_SEND_CHUNK_SECONDS", default=180)
# The sweep queues one send task per this many due rows (docs/sending.md); a
# chunk's rows go over one SMTP connection and are marked sent in bulk every
# CANDOR_SEND_MARK_EVERY messages (1: after each, the fewest resends if a worker dies).
CANDOR_SEND_CHUNK = env.int("CANDOR_SEND_CHUNK", default=50)
CANDOR_SEND_MARK_EVERY = env.int("CANDOR_SEND_MARK_EVERY", default=1)
# One pool process of a worker at a time between hand-over (end of DATA) and marking, so a
# killed worker resends at most one message (outbox/handover.py). The lock files live here.
CANDOR_SEND_HANDOVER_GATE = env.bool("CANDOR_SEND_HANDOVER_GATE", default=True)
CANDOR_SEND_HANDOVER_DIR = env("CANDOR_SEND_HANDOVER_DIR", default="")

# Celery time limits: a backstop for a task that hangs (a stuck SMTP or database
# connection), so it cannot hold a worker process for ever. At the soft limit the task
# gets SoftTimeLimitExceeded (its transactions roll back; rows it leased go back to the
# sweep when their lease runs out); at the hard limit the pool process is killed.
# The longest legitimate task is a send chunk (CANDOR_SEND_CHUNK letters over one
# connection): it starts no message after CANDOR_SEND_CHUNK_SECONDS, and its last one
# ends within CANDOR_SEND_DEADLINE_SECONDS (docs/sending.md). The soft limit therefore
# defaults to both plus a minute, never under 5 minutes, and the hard one a minute later.
# Both stay far below the broker's visibility_timeout (CELERY_VISIBILITY_TIMEOUT), which
# must exceed any task's run time.
CELERY_TASK_SOFT_TIME_LIMIT = env.int(
    "CELERY_TASK_SOFT_TIME_LIMIT",
    default=int(max(300, CANDOR_SEND_CHUNK_SECONDS + CANDOR_SEND_DEADLINE_SECONDS + 60)),
)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=CELERY_TASK_SOFT_TIME_LIMIT + 60)

# Candidate links (signed tokens and session slots after /c/) never reach a log, in every
# environment: each handler masks them (config/log_masking.py MaskCandidateTokens), including
# the development server's request log ("django.server", `make demo` -> var/web.log) and
# Django's own messages ("Not Found: /c/<token>/"), which reach the root's console handler
# instead of Django's default unmasked one (the "django" logger's handlers are replaced).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_candidate_tokens": {"()": "config.log_masking.MaskCandidateTokens"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_candidate_tokens"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_candidate_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Axes logs its banner at INFO on every start; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}


# Settings of the apps added with the integrations and sign-in issues, one file each
# (config/settings/parts/): each reads its own environment variables.
from config.settings.parts.accounts import *  # noqa: E402,F403
from config.settings.parts.api import *  # noqa: E402,F403
from config.settings.parts.events import *  # noqa: E402,F403
from config.settings.parts.i18n import *  # noqa: E402,F403
from config.settings.parts.integrations import *  # noqa: E402,F403
from config.settings.parts.staff import *  # noqa: E402,F403
