"""Tests: SQLite unless DATABASE_URL says otherwise; REDIS_URL honoured."""

from .base import *  # noqa: F403
from .base import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, env

# Demo and scale seeds, benchmarks: development only, never in production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker subprocesses started by tests/support/workers.py get EMAIL_URL (the
# test's SMTP sink) and keep base.py's SMTP settings; the test process itself
# always ends up on locmem (Django's test setup forces it).
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Plain static storage: tests do not need collectstatic's manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Login throttling is switched on by the tests that test it.
AXES_ENABLED = False
CANDOR_BASE_URL = "http://testserver"
# Saving a subscription forgets the cached list in this process; a time-based refresh would make
# query counts depend on how fast a test runs.
# (Worker subprocesses of the fault tests get 5 s from tests/support/fixtures.py.)
# Test receivers listen on 127.0.0.1 (tests of the refusal switch it off again).
CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS = True
CANDOR_WEBHOOK_WANTED_CACHE_SECONDS = env.float("CANDOR_WEBHOOK_WANTED_CACHE_SECONDS", default=3600)
CELERY_BROKER_URL = env("REDIS_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = False
# Integration tests that kill workers use a short visibility_timeout; let the
# restarted worker also look for the dead one's unacknowledged messages often.
if env("CELERY_VISIBILITY_TIMEOUT", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
# A worker's embedded beat in integration tests sweeps every few seconds, not every minute.
_SWEEP_SECONDS = env.float("CANDOR_TEST_SWEEP_SECONDS", default=0)
if _SWEEP_SECONDS:
    CELERY_BEAT_SCHEDULE = {
        name: {**entry, "schedule": _SWEEP_SECONDS} if name.endswith("-sweep") else entry
        for name, entry in CELERY_BEAT_SCHEDULE.items()
    }
# A worker whose clock runs ahead or behind (fault tests): its timezone.now() is skewed by
# this many seconds. The engine compares leases on the database's clock, so it must not matter.
_CLOCK_SKEW_SECONDS = env.float("CANDOR_TEST_CLOCK_SKEW_SECONDS", default=0)
if _CLOCK_SKEW_SECONDS:
    import datetime as _dt

    import django.utils.timezone as _timezone

    _real_now = _timezone.now

    def _skewed_now():
        return _real_now() + _dt.timedelta(seconds=_CLOCK_SKEW_SECONDS)

    _timezone.now = _skewed_now
