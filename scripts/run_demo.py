"""Start the demo: web app, a real Celery worker and beat, on SQLite. Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = os.environ.get("CANDOR_DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("CANDOR_DEMO_PORT", "8000")
URL = f"http://{HOST}:{PORT}/"

env = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "CANDOR_BASE_URL": os.environ.get("CANDOR_BASE_URL", URL.rstrip("/")),
    "PYTHONUNBUFFERED": "1",
}
(ROOT / "var").mkdir(exist_ok=True)

commands = {
    "web": [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
    # Solo pool: one process is plenty for the demo and keeps SQLite writers few.
    "worker": [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"],
    "beat": [
        str(BIN / "celery"),
        "-A",
        "config",
        "beat",
        "--loglevel=INFO",
        "--schedule",
        str(ROOT / "var" / "celerybeat-schedule"),
    ],
}
processes = {}
for name, cmd in commands.items():
    log = open(ROOT / "var" / f"{name}.log", "ab")  # noqa: SIM115
    processes[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(*_):
    for proc in processes.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in processes.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("\nCandor demo stopped.")
    sys.exit(0)


signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)

for _ in range(60):
    try:
        urllib.request.urlopen(URL + "healthz", timeout=2)  # noqa: S310 - our own local server
        break
    except OSError:
        time.sleep(0.5)

print(
    f"""
Candor is running at {URL}
  web, Celery worker and Celery beat are up (logs in var/web.log, var/worker.log, var/beat.log)
  emails are written to var/mail/

Demo logins (password: candor-demo)
  hr          HR: dashboard, letters, jobs, candidates
  manager     hiring manager of the demo jobs
  alice, bob  interviewers

Press Ctrl-C to stop.
"""
)

while True:
    for name, proc in processes.items():
        if proc.poll() is not None:
            print(f"{name} exited with code {proc.returncode}; see var/{name}.log. Stopping.")
            stop()
    time.sleep(1)
