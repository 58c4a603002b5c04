"""Shared pytest fixtures for real services: an SMTP sink, Celery workers. Registered in conftest.py.

- ``smtp_sink``: a real SMTP server (aiosmtpd) on a free port; this test process's
  Django sends to it by SMTP (see tests/support/smtp.py for counting and faults).
- ``celery_worker_process``: a controller for a real ``celery -A config worker``
  subprocess wired to the test database, the test's Redis db (flushed) and the
  sink. Call ``.start()`` (options: concurrency, beat, sweep_every,
  visibility_timeout, lease_seconds, max_retries, email_timeout), ``.kill()``
  (SIGKILL), ``.restart()``, ``.stop()``. It makes the test transactional (the
  worker must see committed rows) with a serialized rollback, so the rows that
  migrations create (roles, the default letter template) exist in every test.
- ``throwaway_redis``: a separate redis-server on a free port, to stop and start.

Tests using the worker need ``@pytest.mark.services`` (PostgreSQL + Redis).
"""

import pytest
from django.conf import settings as django_settings

from tests.support.smtp import SMTPSink
from tests.support.workers import CeleryWorker, RedisServer, redis_flush, worker_database_url

SINK_EMAIL_TIMEOUT = 3  # seconds: a stalled server fails a send quickly in tests


@pytest.fixture
def smtp_sink(settings):
    sink = SMTPSink().start()
    sink.email_timeout = SINK_EMAIL_TIMEOUT
    settings.EMAIL_BACKEND = "outbox.backends.PersistentSMTPBackend"  # as base.py sets for smtp://
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = SINK_EMAIL_TIMEOUT
    yield sink
    sink.stop()


@pytest.fixture
def celery_worker_process(request, transactional_db, smtp_sink, tmp_path):
    broker = django_settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.skip("needs REDIS_URL=redis://...")
    redis_flush(broker)
    worker = CeleryWorker(
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": broker,
            "EMAIL_URL": smtp_sink.email_url,
            "DJANGO_EMAIL_TIMEOUT": str(smtp_sink.email_timeout),
            "CANDOR_WEBHOOK_WANTED_CACHE_SECONDS": "5",
        },
        workdir=tmp_path / "worker",
    )
    worker.redis_url = broker
    yield worker
    worker.stop()
    redis_flush(broker)
    # Shown by pytest only when the test fails.
    print(f"--- worker log ({worker.log_path}), last 4000 characters ---")
    print(worker.log()[-4000:])


@pytest.fixture
def throwaway_redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


# Every data migration (RunPython) of the project, and what a flushed test database needs of it:
# "restored" (ensure_migration_data makes its rows again) or why nothing (it only fills columns
# of rows that exist). tests/test_suite_hygiene.py fails for a data migration not listed here.
DATA_MIGRATIONS = {
    "core.0002_roles": "restored",
    "core.0003_admin_role": "restored",
    "feedback.0002_default_letter_template": "restored",
    "feedback.0006_default_letter_fresh_panel_wording": "restored (the default text is today's)",
    "feedback.0011_letter_templates_de_fr_es": "restored",
    "candidates.0002_candidate_email_key_preferred_name_language": "fills existing rows only",
    "feedback.0005_letter_reapply_on": "fills existing rows only",
}


def ensure_migration_data() -> None:
    """Re-create what data migrations made (role groups, the default letter templates).

    A transactional test (live server, real worker) empties every table when it ends, data
    migrations' rows included; tests that run after it would otherwise find no role groups and
    no default templates, which a real database always has (``DATA_MIGRATIONS``).
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from core import roles
    from feedback import placeholders
    from feedback.models import LetterTemplate

    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    importlib.import_module("feedback.migrations.0011_letter_templates_de_fr_es").create_templates(apps, None)
    if not LetterTemplate.objects.filter(name=placeholders.DEFAULT_NAME).exists():
        LetterTemplate.objects.get_or_create(
            name=placeholders.DEFAULT_NAME,
            defaults={
                "subject": placeholders.DEFAULT_SUBJECT,
                "body_text": placeholders.DEFAULT_TEXT,
                "body_html": placeholders.DEFAULT_HTML,
                "is_default": True,
            },
        )


@pytest.fixture(autouse=True)
def _migration_data(request):
    """For every test that uses the database: the rows data migrations made are there."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not (marker or names & {"db", "transactional_db", "live_server"}):
        yield
        return
    transactional = names & {"transactional_db", "live_server"} or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_migration_data()
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache, as the database starts empty.

    The cache outlives a test's rolled-back transaction: a 2FA policy an Admin set
    (accounts/policy.py caches it), login-throttle counters or the webhook subscriptions
    wanted would otherwise leak into the next test and change what it sees (a redirect to the
    2FA page, a 429) depending only on which test ran before.
    """
    from django.core.cache import caches

    from events.delivery import webhooks_wanted_forget

    for cache in caches.all(initialized_only=True):
        cache.clear()
    webhooks_wanted_forget()
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()
    webhooks_wanted_forget()


@pytest.fixture
def groups():
    """The role groups, for tests that name them (the autouse ``_migration_data`` makes them)."""
    ensure_migration_data()
