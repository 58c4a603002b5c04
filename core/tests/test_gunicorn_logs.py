"""Candidate links stay out of the logs (issue 13, item 5, the logging half): the gunicorn
configuration Candor ships masks their signed tokens, and query strings, in the access log."""

import datetime as dt
import http.cookiejar
import importlib
import logging
import os
import socket
import subprocess  # nosec B404
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import get_resolver, reverse
from gunicorn.config import Config

from config.log_masking import (
    CANDIDATE_WORDS,
    CandorGunicornLogger,
    MaskCandidateTokens,
    mask_path,
    mask_query,
    mask_text,
    mask_uri,
)
from feedback.links import PURPOSES, make_token

BASE_DIR = Path(__file__).resolve().parents[2]
TOKEN = make_token("letter", uuid.uuid4())


def _candidate_routes():
    """(name, route) of every URL in the "candidate" namespace (feedback/portal/urls.py)."""
    _prefix, resolver = get_resolver().namespace_dict["candidate"]
    return [(pattern.name, str(pattern.pattern)) for pattern in resolver.url_patterns]


# --- the masking rules ------------------------------------------------------------------------


@pytest.mark.parametrize("name,route", _candidate_routes())
@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_every_candidate_url_loses_its_token_and_keeps_its_shape(name, route, purpose):
    if "<" not in route:
        url = reverse(f"candidate:{name}")  # a URL without a token (the language switch)
        assert mask_path(url) == url
        return
    token = make_token(purpose, uuid.uuid4())
    url = reverse(f"candidate:{name}", args=[token])

    masked = mask_path(url)

    assert token not in masked
    # Every fixed word of the route survives: only the token became [token].
    assert masked == url.replace(token, "[token]"), f"list {route!r}'s words in CANDIDATE_WORDS"


def test_the_fixed_words_listed_are_exactly_those_of_the_candidate_urls():
    words = {
        part
        for _name, route in _candidate_routes()
        for part in route.split("/")
        if part and not part.startswith("<")
    }
    assert words == set(CANDIDATE_WORDS)


@pytest.mark.parametrize(
    "path,expected",
    [
        # A page added later, its words not listed yet: masked, not leaked.
        (f"/c/new-page/{TOKEN}/", "/c/[token]/[token]/"),
        # Percent-encoded: Django decodes it to the same page.
        (f"/%63/{TOKEN.replace(':', '%3A')}/remind/", "/c/[token]/remind/"),
        (f"//c/{TOKEN}/", "//c/[token]/"),
        (f"/C/{TOKEN}/", "/C/[token]/"),
        ("/c/", "/c/"),
        ("/hr/letters/12/", "/hr/letters/12/"),
        ("/static/css/app.css", "/static/css/app.css"),
    ],
)
def test_paths_are_masked_under_the_candidate_prefix_only(path, expected):
    assert mask_path(path) == expected


def test_query_strings_keep_their_names_and_lose_their_values():
    assert mask_query("") == ""
    assert mask_query("q=ada%40example.org&page=2") == "q=[redacted]&page=[redacted]"
    assert mask_query(f"{TOKEN}") == "[redacted]"
    assert mask_query("t=" + TOKEN) == "t=[redacted]"


def test_urls_in_referers_and_redirects_are_masked():
    referer = f"https://candor.acme.com/c/{TOKEN}/?utm_source=mail#top"
    assert mask_uri(referer) == "https://candor.acme.com/c/[token]/?utm_source=[redacted]#[redacted]"
    assert mask_uri("-") == "-"
    assert mask_uri("/hr/letters/") == "/hr/letters/"


def test_free_text_log_messages_are_masked():
    assert mask_text(f"Not Found: /c/{TOKEN}/") == "Not Found: /c/[token]/"
    assert (
        mask_text(f"Forbidden (CSRF token missing.): /c/{TOKEN}/remind/")
        == "Forbidden (CSRF token missing.): /c/[token]/remind/"
    )
    assert mask_text(f"Error handling request /c/unsubscribe/{TOKEN}/?x=1") == (
        "Error handling request /c/unsubscribe/[token]/?x=[redacted]"
    )
    assert mask_text("and/or, 50% off") == "and/or, 50% off"


def test_the_logging_filter_masks_messages_and_their_arguments():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/c/{TOKEN}/",), None
    )

    assert MaskCandidateTokens().filter(record) is True
    assert record.getMessage() == "Not Found: /c/[token]/"


# --- the gunicorn logger, called directly ---------------------------------------------------------


def _access_line(logger, cfg, *, raw_uri, referer="-", headers=(), location=None):
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    resp = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", location)] if location else [])
    req = SimpleNamespace(headers=[("REFERER", referer), *headers])
    atoms = logger.atoms(resp, req, environ, dt.timedelta(milliseconds=12))
    return cfg.access_log_format % logger.atoms_wrapper_class(atoms)


def test_the_access_log_line_has_no_token_query_or_cookie():
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", '%(r)s %(U)s %(q)s "%(f)s" %({cookie}i)s %({location}o)s %({raw_uri}e)s')
    logger = CandorGunicornLogger(cfg)

    line = _access_line(
        logger,
        cfg,
        raw_uri=f"/c/{TOKEN}/remind/?next=/c/{TOKEN}/",
        referer=f"https://candor.acme.com/c/{TOKEN}/",
        headers=[("COOKIE", "sessionid=s3cr3t; csrftoken=abc")],
        location=f"/c/{TOKEN}/",
    )

    assert TOKEN not in line
    assert "s3cr3t" not in line
    assert line.startswith(
        "GET /c/[token]/remind/?next=[redacted] HTTP/1.1 /c/[token]/remind/ next=[redacted]"
    )
    assert '"https://candor.acme.com/c/[token]/"' in line
    assert "[redacted] /c/[token]/" in line


def test_gunicorns_error_log_is_masked_too():
    cfg = Config()
    logger = CandorGunicornLogger(cfg)
    assert all(
        any(isinstance(f, MaskCandidateTokens) for f in handler.filters)
        for handler in logger.error_log.handlers
    )


def test_production_settings_mask_djangos_own_messages(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-secret-for-this-import-only-" + "k" * 30)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "candor.acme.com")
    sys.modules.pop("config.settings.production", None)
    try:
        production = importlib.import_module("config.settings.production")
    finally:
        sys.modules.pop("config.settings.production", None)

    filters = production.LOGGING["filters"]
    assert filters["mask_candidate_tokens"]["()"] == "config.log_masking.MaskCandidateTokens"
    for handler in production.LOGGING["handlers"].values():
        assert "mask_candidate_tokens" in handler["filters"]


# --- one real gunicorn run ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from feedback.links import make_token
from feedback.tests.candidate_helpers import make_letter
letter = make_letter()
print(make_token("letter", letter.public_id))
print(make_token("unsubscribe", letter.public_id))
"""


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    """gunicorn with config/gunicorn.conf.py, test settings and a SQLite file holding one sent letter."""
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANDOR_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        REDIS_URL="memory://",
        PYTHONUNBUFFERED="1",
    )
    setup = subprocess.run(  # nosec B603
        [sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr
    letter_token, unsubscribe_token = setup.stdout.split()
    port = _free_port()
    access_log = folder / "access.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [
        gunicorn,
        "--config",
        "config/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    command += ["--access-logfile", str(access_log), "--error-logfile", str(folder / "error.log")]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # nosec B603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=10)  # nosec - our own local server
            break
        except OSError:  # refused, reset or timed out while the worker boots
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)
    server = SimpleNamespace(
        url=url, access_log=access_log, letter_token=letter_token, unsubscribe_token=unsubscribe_token
    )
    yield server
    process.terminate()
    process.wait(timeout=30)


# A browser's cookies: the candidate's link is exchanged for a session and redirected (issue 13).
_BROWSER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _get(url, headers=None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _BROWSER.open(request, timeout=10) as response:  # nosec - our own local server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _logged_requests(server, count, timeout=10):
    """The access log's lines but the start-up /healthz ones, once there are ``count`` (or timed out)."""
    deadline = time.monotonic() + timeout
    while True:
        text = server.access_log.read_text() if server.access_log.exists() else ""
        lines = [line for line in text.splitlines() if "/healthz" not in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_a_real_gunicorn_access_log_has_no_candidate_token(gunicorn_server):
    server = gunicorn_server
    page = f"{server.url}/c/{server.letter_token}/"

    assert _get(page) == 200
    assert _get(f"{server.url}/c/unsubscribe/{server.unsubscribe_token}/?source=email") == 200
    # Another page, opened from the candidate's page (its Referer) with a session cookie.
    other = f"{server.url}/accounts/login/"
    assert _get(other, headers={"Referer": page, "Cookie": "sessionid=s3cr3t"}) == 200

    # Each candidate link: the token's GET (302) and the session page it leads to (200).
    lines = _logged_requests(server, 5)
    log = "\n".join(lines)
    assert len(lines) == 5, log
    assert server.letter_token not in log and server.unsubscribe_token not in log
    # Nor any part of a token (they are colon-separated).
    for part in server.letter_token.split(":") + server.unsubscribe_token.split(":"):
        assert part not in log
    assert "s3cr3t" not in log
    # The path's shape, the status and the rest of the line remain.
    assert '"GET /c/[token]/ HTTP/1.1" 302' in lines[0]
    assert '"GET /c/[token]/ HTTP/1.1" 200' in lines[1]
    assert '"GET /c/unsubscribe/[token]/?source=[redacted] HTTP/1.1" 302' in lines[2]
    assert '"GET /c/unsubscribe/[token]/ HTTP/1.1" 200' in lines[3]
    assert '"GET /accounts/login/ HTTP/1.1" 200' in lines[4]
    assert f'"{server.url}/c/[token]/"' in lines[4]
