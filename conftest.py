"""Fixtures shared by every app's tests."""

import os

import pytest

pytest_plugins = ["tests.support.fixtures"]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# from the test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CANDOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(reason: str):
    """Outside CI a missing service skips; in CI nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"CI needs this, and it is missing: {reason}")
    pytest.skip(reason)


def pytest_runtest_setup(item):
    """Tests marked ``services`` need PostgreSQL and Redis, ``browser`` needs Chromium.

    Checked here, before the test's fixtures run (a marker added at collection
    time would come too late to pull in a fixture).
    """
    if item.get_closest_marker("services"):
        from django.conf import settings

        on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        on_redis = settings.CELERY_BROKER_URL.startswith("redis")
        if not (on_postgres and on_redis):
            _missing("needs DATABASE_URL=postgres://... and REDIS_URL=redis://...")
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def hr_user(db):
    from hiring.tests.factories import HRFactory

    return HRFactory(username="hr", first_name="Hana", last_name="Reyes")


@pytest.fixture
def hiring_manager(db):
    from hiring.tests.factories import HiringManagerFactory

    return HiringManagerFactory(username="manager", first_name="Max", last_name="Mendel")


@pytest.fixture
def interviewer(db):
    from hiring.tests.factories import InterviewerFactory

    return InterviewerFactory(username="alice", first_name="Alice", last_name="Ito")


@pytest.fixture
def other_interviewer(db):
    from hiring.tests.factories import InterviewerFactory

    return InterviewerFactory(username="bob", first_name="Bob", last_name="Novak")
