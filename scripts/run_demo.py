"""Start the demo: web app, a real Celery worker and beat, on SQLite. Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config.demo import demo_base_url, demo_listen_address, demo_url  # noqa: E402

BIN = Path(sys.executable).parent
# Like the settings: a .env file fills in what the environment does not set, so the port
# listened on here and the one the settings put in links come from the same place.
environ.Env.read_env(ROOT / ".env", overwrite=False)
HOST, PORT = demo_listen_address(os.environ)
URL = demo_url(os.environ) + "/"

# CANDOR_BASE_URL is left to config/settings/local.py, which derives it from the same
# CANDOR_DEMO_HOST/CANDOR_DEMO_PORT (config/demo.py) for the web server, the worker, and the
# `manage.py seed_demo` that `make demo` runs before this script.
env = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "PYTHONUNBUFFERED": "1",
}
(ROOT / "var").mkdir(exist_ok=True)

commands = {
    "web": [
        sys.executable,
        "manage.py",
        "runserver",
        f"[{HOST}]:{PORT}" if ":" in HOST else f"{HOST}:{PORT}",
        "--noreload",
    ],
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
  emails are written to var/mail/ (or sent through EMAIL_URL)
  links in emails and candidate pages point to {demo_base_url(os.environ)}

Demo logins (password: candor-demo)
  hr          HR: dashboard, letters, jobs, candidates
  manager     hiring manager of the demo jobs
  alice, bob  interviewers (also chen, dara, emil)
  admin       Admin: the Django admin at /admin/

Press Ctrl-C to stop.
"""
)

while True:
    for name, proc in processes.items():
        if proc.poll() is not None:
            print(f"{name} exited with code {proc.returncode}; see var/{name}.log. Stopping.")
            stop()
    time.sleep(1)
