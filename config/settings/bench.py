"""`make bench`: production-like (DEBUG off, persistent connections, every middleware), over plain HTTP.

Adds one URL, a trivial view returning a fixed page, as the baseline the pages
are measured against (core/bench_urls.py); normal settings never mount it.
"""

from .base import *  # noqa: F403
from .base import env

# Demo and scale seeds, benchmarks: development only, never in production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

DEBUG = False
ROOT_URLCONF = "devtools.urls"
# The bench's test Client speaks as "testserver"; gunicorn is reached on 127.0.0.1.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# No collectstatic before a bench: pages only need {% static %} to resolve.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/6")
# The bench loads a worker with far more due rows than production ever sees at once;
# base.py's time limits must not cut a measurement short (the sending phase has a
# time limit of its own).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=1800)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=CELERY_TASK_SOFT_TIME_LIMIT + 60)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}
