"""Processes the bench starts: gunicorn, and a sampler of a process group's memory."""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cpu: int | None) -> list[str]:
    """A taskset prefix that pins a command to one core (nothing on a 1-core machine)."""
    if cpu is None or not shutil.which("taskset") or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "-c", str(cpu)]


class Gunicorn:
    """``gunicorn config.wsgi`` with bench settings: 2 sync workers, pinned to one core."""

    def __init__(self, *, env: dict[str, str], workers: int = 2, cpu: int | None = 0, log_dir: Path):
        self.port = free_port()
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.workers = workers
        self.cpu = cpu
        self.log_path = Path(log_dir) / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Gunicorn":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [
            *pinned(self.cpu),
            gunicorn,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            if self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start listening in time")

    def _answers(self) -> bool:
        """True once every worker has booted and answers (one request per worker)."""
        try:
            for _ in range(self.workers * 2):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/healthz")
                if conn.getresponse().status != 200:
                    return False
                conn.close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, ...
        if int(fields[2]) == pgid:
            members.append(int(entry))
    return members


class MemorySampler:
    """Samples the resident memory of a process group (a worker and its pool) in a thread.

    ``peak_total_mib``: the largest sum over the group at one instant;
    ``peak_process_mib``: the largest single process.
    """

    def __init__(self, pgid: int, interval: float = 0.2):
        self.pgid = pgid
        self.interval = interval
        self.peak_total_kib = 0
        self.peak_process_kib = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        if not os.path.isdir("/proc"):
            return
        sizes = [_rss_kib(pid) for pid in _group_members(self.pgid)]
        self.processes = max(self.processes, len(sizes))
        self.peak_total_kib = max(self.peak_total_kib, sum(sizes))
        self.peak_process_kib = max(self.peak_process_kib, max(sizes, default=0))

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def peak_total_mib(self) -> float:
        return self.peak_total_kib / 1024

    @property
    def peak_process_mib(self) -> float:
        return self.peak_process_kib / 1024
