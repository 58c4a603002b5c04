"""Small helpers for the browser tests: logging in, screenshots, waiting for the worker."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.support.quality_tools import screenshot_dir

PASSWORD = "pw-for-tests-1"  # hiring.tests.factories.UserFactory's password


def ensure_roles() -> None:
    """The role groups (a data migration makes them). A transactional test finds them flushed
    by an earlier one (no serialized rollback: tests/test_suite_hygiene.py), so these tests make sure."""
    from django.contrib.auth.models import Group

    from core import roles

    for name in roles.ALL:
        Group.objects.get_or_create(name=name)


def log_in(page, live_server, user, *, shot: Callable | None = None) -> None:
    """Log in through the login form, by its labels, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    if shot:
        shot("login")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page) -> None:
    page.context.clear_cookies()


def session_cookie_for(user, live_server) -> dict:
    """A session cookie for user, to skip the login form where the form is not what is tested."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def use_session_of(page, user, live_server) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([session_cookie_for(user, live_server)])


class Screenshots:
    """Numbered full-page screenshots, one per step, in $CANDOR_SCREENSHOT_DIR or artifacts/screenshots/."""

    def __init__(self, page, folder: Path | None = None):
        self.page = page
        self.folder = folder or screenshot_dir()
        self.count = 0
        self.saved: list[Path] = []
        # A fresh set each run: a step renamed or removed leaves no stale picture behind.
        for old in self.folder.glob("[0-9][0-9]-*.png"):
            old.unlink()

    def __call__(self, name: str, *, full_page: bool = False, of=None) -> Path:
        """The viewport (or the full page, or just the element ``of``) as NN-name.png."""
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        if of is not None:
            of.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=full_page)
        self.saved.append(path)
        return path


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.25, what: str = ""
):
    """Poll predicate until it returns something truthy; return that, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(interval)
