"""gunicorn's configuration for Candor: ``gunicorn --config config/gunicorn.conf.py``.

Used by the Dockerfile and docker-compose's web service. What it adds to gunicorn's defaults:

- candidate links out of the access log: ``CandorGunicornLogger`` (config/log_masking.py)
  writes ``GET /c/[token]/remind/?next=[redacted]`` where the request had the signed token
  and the query string; cookies and credentials are never logged;
- no start with undeployable production settings: ``on_starting`` runs Candor's deployment
  checks (core/checks.py) in a child process, and gunicorn exits with their messages
  before binding its port when they fail (production settings only);
- worker processes and threads from ``WEB_CONCURRENCY`` (default 3) and ``GUNICORN_THREADS``
  (default 1; more than 1 switches gunicorn to its gthread worker), the address from
  ``GUNICORN_BIND`` (default ``0.0.0.0:8000``).

Command-line options still win over this file (``--bind``, ``--workers`` ...).
"""

import os

# subprocess: runs this project's own check (below), no shell, no outside input.
import subprocess  # nosec B404
import sys
from pathlib import Path

from config.log_masking import CandorGunicornLogger

BASE_DIR = Path(__file__).resolve().parent.parent

wsgi_app = "config.wsgi:application"
# Every interface of its container; docker-compose publishes the port.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

accesslog = "-"
errorlog = "-"
logger_class = CandorGunicornLogger
# gunicorn's default (Apache combined) format: its request line, path and Referer are masked.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

_CHECK = "from core.checks import refuse_to_start_if_misconfigured as refuse; refuse('gunicorn')"


def on_starting(server):
    """Refuse to start when production settings are not deployable (``core.checks``).

    The check runs in a child process with this environment, so gunicorn's master imports
    no Django; it does nothing unless the settings ask for it (production does). Its
    messages go to stderr; gunicorn then prints "Error: ..." and exits 1.
    """
    env = {**os.environ}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")  # as config/wsgi.py
    result = subprocess.run([sys.executable, "-c", _CHECK], cwd=BASE_DIR, env=env, check=False)  # nosec B603
    if result.returncode != 0:
        raise RuntimeError("Candor's deployment checks failed (see above); gunicorn did not start.")
