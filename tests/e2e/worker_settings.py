"""Settings of the journey's Celery worker: the test settings, with links pointing at the live server.

config/settings/test.py fixes CANDOR_BASE_URL to http://testserver; the journey's
worker must write links the browser can follow, so it reads CANDOR_BASE_URL.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import env

CANDOR_BASE_URL = env("CANDOR_BASE_URL")
