"""Candidate links stay out of the development server's log too (``make demo`` -> var/web.log).

Django's ``runserver`` logs each request line through the ``django.server`` logger
(``WSGIRequestHandler.log_message``), which Django's default logging writes unmasked; the
settings give it the same filter as every other handler (config/log_masking.py). Run in a
child process with the local settings, so the real ``LOGGING`` is configured as at start-up.
"""

import os
import subprocess  # nosec B404
import sys
import uuid
from pathlib import Path

import pytest

from feedback.links import make_token
from feedback.portal import sessions

BASE_DIR = Path(__file__).resolve().parents[2]

_SCRIPT = """
import logging, sys
import django
django.setup()
from django.core.servers.basehttp import WSGIRequestHandler
handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # no socket: only its log path
handler.request = None
for path in sys.argv[1:]:
    # What http.server's log_request passes for every request the dev server answers.
    handler.log_message('"%s" %s %s', f"GET {path} HTTP/1.1", "302", "0")
    handler.log_message('"%s" %s %s', f"GET {path} HTTP/1.1", "404", "0")
    logging.getLogger("django.request").warning("Not Found: %s", path)
"""


def _dev_server_log(*paths: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONPATH": str(BASE_DIR)}
    result = subprocess.run(  # nosec B603
        [sys.executable, "-c", _SCRIPT, *paths],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize("purpose", ["letter", "unsubscribe", "reapply"])
def test_the_dev_server_log_masks_signed_tokens_and_session_slots(purpose):
    token = make_token(purpose, uuid.uuid4())
    slot = "Ab3_-xYz0123456789abcd"  # the shape of sessions.exchange's slots
    assert not sessions.is_signed_token(slot)
    paths = [f"/c/{token}/", f"/c/{token}/remind/?next=/c/{token}/", f"/c/{slot}/", f"/c/unsubscribe/{slot}/"]

    log = _dev_server_log(*paths)

    assert "/c/[token]/" in log and "/c/unsubscribe/[token]/" in log
    assert '"GET /c/[token]/ HTTP/1.1" 302 0' in log
    for secret in (token, *token.split(":"), slot):
        assert secret not in log


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/accounts/password/reset/key/5-ditqfs-1a2b3c4d5e/", "/accounts/password/reset/key/[token]/"),
        ("/accounts/password/reset/key/5-set-password/", "/accounts/password/reset/key/[token]/"),
        ("/accounts/confirm-email/MQ:1tXyz:abc/", "/accounts/confirm-email/[token]/"),
        ("/accounts/password/reset/", "/accounts/password/reset/"),
    ],
)
def test_password_reset_and_confirmation_keys_never_reach_a_log(path, masked):
    """Fresh eyes: var/web.log held live password-reset links (anyone reading the log could take
    the account). Every log line goes through mask_path/mask_text: the key is masked."""
    from core.masking import mask_path, mask_text

    assert mask_path(path) == masked
    line = f'"GET {path}?next=/x HTTP/1.1" 200'
    assert path.split("/")[-2] not in mask_text(line) or path.endswith("/reset/")
