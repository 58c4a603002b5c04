import os

from celery import Celery
from celery.signals import beat_init, worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("candor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Production settings refuse to run with links or addresses nobody can use (core/checks.py):
# the worker and beat exit before taking or queuing anything. Elsewhere this does nothing.
@worker_init.connect
def _worker_refuses_to_start_if_misconfigured(**kwargs):
    from core.checks import refuse_to_start_if_misconfigured

    refuse_to_start_if_misconfigured("Celery worker")


@beat_init.connect
def _beat_refuses_to_start_if_misconfigured(**kwargs):
    from core.checks import refuse_to_start_if_misconfigured

    refuse_to_start_if_misconfigured("Celery beat")


# A worker is seen from the moment it is ready, not only from beat's first heartbeat task
# (core/heartbeats.py). A database that is down is logged by Celery; the worker starts anyway.
@worker_ready.connect
def _mark_worker_heartbeat(**kwargs):
    from django.db import connection

    from core.heartbeats import WORKER, heartbeat_mark

    try:
        heartbeat_mark(name=WORKER)
    finally:
        connection.close()  # the worker's main process keeps no idle connection
