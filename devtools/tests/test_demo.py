"""`make demo`'s pieces: the seed command, and the demo launcher serving its login page."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from candidates.models import Candidate
from feedback.models import FeedbackLetter
from hiring.models import Application, Job

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_creates_every_role_and_a_realistic_pipeline():
    call_command("seed_demo")
    User = get_user_model()
    for username in ("hr", "manager", "alice", "bob"):
        assert User.objects.get(username=username).check_password("candor-demo")
    assert Job.objects.count() >= 3
    assert Candidate.objects.count() == 50
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"active", "rejected"} <= statuses
    assert FeedbackLetter.objects.filter(body__icontains="other candidates").exists()


@pytest.mark.django_db
def test_seed_demo_twice_reuses_what_exists():
    call_command("seed_demo")
    counts = (Candidate.objects.count(), Application.objects.count(), FeedbackLetter.objects.count())
    call_command("seed_demo")
    assert counts == (Candidate.objects.count(), Application.objects.count(), FeedbackLetter.objects.count())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_launcher_serves_the_login_page_with_a_worker_and_beat(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        CANDOR_DEMO_PORT=str(port),
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_demo.py")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        banner = ""
        while "Press Ctrl-C" not in banner and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            banner += line
        assert "Press Ctrl-C" in banner, banner
        assert "hr" in banner and "candor-demo" in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as response:  # noqa: S310 # nosec B310
            assert response.status == 200
            assert b"Log in to Candor" in response.read()
        time.sleep(2)
        assert proc.poll() is None, "a demo process exited early"
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "stopped" in output
