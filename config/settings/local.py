"""The embedded default: SQLite, the filesystem broker, email to files. No server needed."""

import os

from config.demo import demo_base_url

from .base import *  # noqa: F403
from .base import VAR_DIR, env

# Demo and scale seeds, benchmarks: development only, never in production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

DEBUG = env.bool("DJANGO_DEBUG", default=True)

CELERY_BROKER_URL = env("REDIS_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }

if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")

# The demo (`make demo`) listens on CANDOR_DEMO_HOST:CANDOR_DEMO_PORT; every link the seed prints
# and every email the seed or the worker sends points there (config/demo.py).
CANDOR_BASE_URL = demo_base_url(os.environ)

# The demo's webhook receivers run on this machine.
CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS", default=True)
