"""Real Celery workers and Redis servers for integration tests.

``CeleryWorker`` runs ``celery -A config worker`` as a subprocess (its own
process group, so SIGKILL takes the pool children too) against the test
database, the test's Redis and the test's SMTP sink. Helpers read the broker
directly (queue length, ETAs of waiting messages) and switch the test process's
own publisher to another broker.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings

from tests.support.smtp import free_port

BASE_DIR = Path(settings.BASE_DIR)
CELERY_BIN = str(Path(sys.executable).parent / "celery")
QUEUE = "celery"
# kombu's Redis transport keeps reserved-but-unacknowledged messages here.
UNACKED_KEY = "unacked"


def worker_database_url(application_name: str = "") -> str:
    """The URL of the database the current test uses (pytest-django's test database).

    ``application_name``: how the worker's connections show in ``pg_stat_activity``, so
    that a test can cut exactly those (``database_connections_terminate``).
    """
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise RuntimeError("a worker subprocess needs PostgreSQL: the test process's SQLite is not shared")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    url = f"postgres://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"
    return f"{url}?application_name={quote(application_name, safe='')}" if application_name else url


def database_connections_terminate(application_name: str) -> int:
    """Cut every connection to this test's database named ``application_name`` (pg_terminate_backend).

    What a PostgreSQL restart does to a worker, without disturbing anyone else's
    databases on a shared server. Returns how many were cut.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
            [application_name],
        )
        return cursor.fetchone()[0]


def wait_until(predicate, *, timeout: float, interval: float = 0.1) -> bool:
    """Poll predicate until it is truthy; False after timeout. For bounded waits, never for assertions."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# -- Redis -----------------------------------------------------------------


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)


def _queue_keys(client: redis.Redis, queue: str = QUEUE) -> list[bytes]:
    # kombu splits a queue by priority into "celery", "celery\x06\x163", ...
    return [key for key in client.scan_iter(match=f"{queue}*") if key == queue.encode() or b"\x06\x16" in key]


def broker_queue_length(url: str, queue: str = QUEUE) -> int:
    """Messages waiting in the queue (not yet taken by any worker)."""
    client = redis_client(url)
    return sum(client.llen(key) for key in _queue_keys(client, queue))


def broker_messages(url: str, queue: str = QUEUE) -> list[dict]:
    """Every task message in the broker: waiting in the queue, or reserved by a worker (unacked).

    Each item is kombu's envelope: ``{"headers": {"task", "id", "eta", "retries", ...}, "body": ...}``.
    """
    client = redis_client(url)
    raw = []
    for key in _queue_keys(client, queue):
        raw.extend(client.lrange(key, 0, -1))
    for value in client.hgetall(UNACKED_KEY).values():
        message, _exchange, _routing_key = json.loads(value)
        raw.append(message)
    return [json.loads(item) if isinstance(item, bytes | str) else item for item in raw]


def message_args(message: dict) -> list:
    """The positional arguments of a task message (Celery protocol 2, JSON)."""
    body = message["body"]
    if message.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args, _kwargs, _embed = json.loads(body)
    return args


def broker_etas(url: str, queue: str = QUEUE) -> list[dt.datetime]:
    """The ETAs of all task messages in the broker (those that have one)."""
    etas = []
    for message in broker_messages(url, queue):
        eta = message.get("headers", {}).get("eta")
        if eta:
            parsed = dt.datetime.fromisoformat(eta)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            etas.append(parsed)
    return etas


def redis_flush(url: str) -> None:
    redis_client(url).flushdb()


class RedisServer:
    """A throwaway redis-server on a free port (never the shared one), for outage tests."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.port = port or free_port()
        self.workdir = Path(workdir)
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 10) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        ok = wait_until(self._ping, timeout=timeout)
        if not ok:
            raise RuntimeError(f"redis-server on port {self.port} did not start")
        return self

    def _ping(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None


@contextlib.contextmanager
def publishing_to(url: str):
    """Make this (test) process's Celery app publish to another broker for a while."""
    from config.celery import app

    def reset_pools():
        # Drop the references only: kombu caches pools per URL, and a pool
        # closed here would be handed back, closed, on the next publish.
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    old = app.conf.broker_url
    reset_pools()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset_pools()
        app.conf.broker_url = old


# -- Celery worker ---------------------------------------------------------


class CeleryWorker:
    """A real ``celery -A config worker`` subprocess; start, SIGKILL, restart, stop.

    ``env`` holds what every start shares (database, Redis, SMTP sink); ``start``
    takes per-test settings as keyword arguments that become env vars the
    settings read: ``visibility_timeout`` (CELERY_VISIBILITY_TIMEOUT),
    ``lease_seconds`` (CANDOR_SEND_LEASE_SECONDS), ``max_retries``
    (CANDOR_SEND_MAX_RETRIES), ``email_timeout`` (DJANGO_EMAIL_TIMEOUT), and ``beat``
    with ``sweep_every`` seconds (CANDOR_TEST_SWEEP_SECONDS) for an embedded beat.
    """

    def __init__(self, *, env: dict[str, str], workdir: Path):
        self.base_env = dict(env)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "worker.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._options: dict = {}
        self._log_offset = 0

    # -- lifecycle -------------------------------------------------------
    def start(
        self,
        *,
        concurrency: int = 2,
        beat: bool = False,
        sweep_every: float | None = None,
        visibility_timeout: int | None = None,
        lease_seconds: int | None = None,
        max_retries: int | None = None,
        email_timeout: float | None = None,
        extra_env: dict[str, str] | None = None,
        ready_timeout: float = 60,
    ) -> CeleryWorker:
        if self.alive:
            raise RuntimeError("the worker is already running")
        self._options = {
            "concurrency": concurrency,
            "beat": beat,
            "sweep_every": sweep_every,
            "visibility_timeout": visibility_timeout,
            "lease_seconds": lease_seconds,
            "max_retries": max_retries,
            "email_timeout": email_timeout,
            "extra_env": extra_env,
            "ready_timeout": ready_timeout,
        }
        env = {**os.environ, **self.base_env, "PYTHONUNBUFFERED": "1"}
        for name, value in (
            ("CELERY_VISIBILITY_TIMEOUT", visibility_timeout),
            ("CANDOR_SEND_LEASE_SECONDS", lease_seconds),
            ("CANDOR_SEND_MAX_RETRIES", max_retries),
            ("DJANGO_EMAIL_TIMEOUT", email_timeout),
            ("CANDOR_TEST_SWEEP_SECONDS", sweep_every),
        ):
            if value is not None:
                env[name] = str(value)
        env.update(extra_env or {})
        cmd = [
            CELERY_BIN,
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "-n",
            f"candor-test-{uuid.uuid4().hex[:8]}@%h",
            # Startup speed: these talk to other workers, and there are none.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if beat:
            cmd += ["--beat", "--schedule", str(self.workdir / f"beat-schedule-{self.starts}")]
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the subprocess
        self.proc = subprocess.Popen(
            cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.starts += 1
        if not wait_until(self._ready, timeout=ready_timeout, interval=0.1):
            tail = self.log()[-3000:]
            self.stop()
            raise RuntimeError(f"the Celery worker did not become ready; log tail:\n{tail}")
        return self

    def _ready(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"the Celery worker exited early; log tail:\n{self.log()[-3000:]}")
        return " ready." in self.log(since_start=True)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the worker and its pool children at once (process group)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self, **overrides) -> CeleryWorker:
        """Start again with the same options as the last start (after kill() or stop())."""
        if self.alive:
            self.stop()
        return self.start(**{**self._options, **overrides})

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it takes too long."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the worker's pid
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Pool children a dying parent may have left behind.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        self.proc = None

    def log(self, since_start: bool = False) -> str:
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as fh:
            if since_start:
                fh.seek(self._log_offset)
            return fh.read().decode("utf-8", "replace")
