"""Tests: SQLite unless DATABASE_URL says otherwise; REDIS_URL honoured."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
CELERY_BROKER_URL = env("REDIS_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = False
