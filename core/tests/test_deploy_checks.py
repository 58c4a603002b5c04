"""Production refuses to run with links or addresses nobody can use (issue 13, item 4)."""

import os
import secrets
import subprocess  # nosec B404
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.checks import candor_deploy_errors, refuse_to_start_if_misconfigured

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD = {
    "CANDOR_BASE_URL": "https://candor.acme.com",
    "DEFAULT_FROM_EMAIL": "Candor <feedback@acme.com>",
    "CANDOR_HR_EMAIL": "hr@acme.com",
}
# What `make deploy-check` and a real deployment set, as environment variables.
GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "candor.acme.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "CANDOR_BASE_URL": GOOD["CANDOR_BASE_URL"],
    "DJANGO_DEFAULT_FROM_EMAIL": GOOD["DEFAULT_FROM_EMAIL"],
    "CANDOR_HR_EMAIL": GOOD["CANDOR_HR_EMAIL"],
}


def _ids(settings_overrides, settings):
    for name, value in {**GOOD, **settings_overrides}.items():
        setattr(settings, name, value)
    return [error.id for error in candor_deploy_errors()]


def test_real_https_address_and_real_mail_addresses_pass(settings):
    assert _ids({}, settings) == []


@pytest.mark.parametrize(
    "base_url",
    [
        "",  # unset in production settings
        "http://127.0.0.1:8000",  # base.py's default: every link pointed here
        "http://localhost:8000",  # .env.example's
        "http://candor.acme.com",  # not https
        "candor.acme.com",  # no scheme
        "ftp://candor.acme.com",
    ],
)
def test_base_url_that_is_missing_or_not_https_is_an_error(settings, base_url):
    assert _ids({"CANDOR_BASE_URL": base_url}, settings) == ["candor.E001"]


@pytest.mark.parametrize(
    "base_url",
    [
        "https://localhost",
        "https://127.0.0.1:8443",
        "https://[::1]/",
        "https://0.0.0.0",
        "https://candor.localhost",
        "https://10.0.0.5",  # a private address: candidates outside cannot open it
        "https://candor.example.com",  # reserved for documentation (RFC 2606)
        "https://candor.example",
        "https://candor.test",
        "https://candor",  # not a public name
        "https://",
    ],
)
def test_base_url_that_candidates_could_not_reach_is_an_error(settings, base_url):
    assert _ids({"CANDOR_BASE_URL": base_url}, settings) == ["candor.E002"]


@pytest.mark.parametrize(
    "sender",
    [
        "",
        "Candor <feedback@candor.example>",  # base.py's default
        "feedback@example.com",
        "Candor <feedback@mail.example.org>",
        "feedback@localhost",
        "feedback@candor.test",
        "feedback@intranet.local",
        "not an address",
        "Candor <>",
    ],
)
def test_sender_that_is_missing_or_a_placeholder_is_an_error(settings, sender):
    assert _ids({"DEFAULT_FROM_EMAIL": sender}, settings) == ["candor.E003"]


@pytest.mark.parametrize("hr_email", ["", "hr@candor.example", "hr@example.com", "hr"])
def test_hr_address_that_is_missing_or_a_placeholder_is_an_error(settings, hr_email):
    assert _ids({"CANDOR_HR_EMAIL": hr_email}, settings) == ["candor.E004"]


def test_every_problem_is_reported_at_once(settings):
    ids = _ids(
        {"CANDOR_BASE_URL": "http://127.0.0.1:8000", "DEFAULT_FROM_EMAIL": "", "CANDOR_HR_EMAIL": ""},
        settings,
    )
    assert ids == ["candor.E001", "candor.E003", "candor.E004"]


def test_check_deploy_fails_with_the_error_and_plain_check_does_not(settings):
    for name, value in GOOD.items():
        setattr(settings, name, value)
    settings.CANDOR_BASE_URL = "http://127.0.0.1:8000"

    with pytest.raises(SystemCheckError, match=r"candor\.E001.*must use https"):
        call_command("check", "--deploy", "--tag", "candor")
    # Not a deployment: tests and the demo run with local addresses.
    assert not [m for m in checks.run_checks(include_deployment_checks=False) if m.id.startswith("candor.")]


def test_refusing_to_start_is_only_for_settings_that_ask_for_it(settings, capsys):
    settings.CANDOR_BASE_URL = "http://127.0.0.1:8000"
    settings.CANDOR_REFUSE_TO_START_MISCONFIGURED = False
    refuse_to_start_if_misconfigured("gunicorn")  # the demo and tests start

    settings.CANDOR_REFUSE_TO_START_MISCONFIGURED = True
    with pytest.raises(SystemExit) as exit_info:
        refuse_to_start_if_misconfigured("gunicorn")
    assert exit_info.value.code == 1
    assert "gunicorn refuses to start" in capsys.readouterr().err


def _run(command, env_overrides, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANDOR_", "DJANGO_"))}
    env.update(GOOD_ENV)
    env.update(env_overrides)
    return subprocess.run(  # nosec B603
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_manage_py_check_deploy_fails_with_production_settings_and_no_base_url():
    # `make deploy-check` runs the same command with every value set, and passes.
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], {"CANDOR_BASE_URL": ""}
    )

    assert result.returncode == 1
    assert "candor.E001" in result.stderr and "CANDOR_BASE_URL is not set" in result.stderr
    assert "candor.E003" not in result.stderr


def test_gunicorn_refuses_to_start_with_production_settings_and_a_local_base_url():
    gunicorn = str(Path(sys.executable).parent / "gunicorn")

    result = _run(
        [gunicorn, "--config", "config/gunicorn.conf.py", "--bind", "127.0.0.1:0", "config.wsgi:application"],
        {"CANDOR_BASE_URL": "http://localhost:8000", "DJANGO_DEFAULT_FROM_EMAIL": "x@candor.example"},
    )

    assert result.returncode == 1
    assert "gunicorn refuses to start" in result.stderr
    assert "candor.E001" in result.stderr and "candor.E003" in result.stderr
    assert "Booting worker" not in result.stderr


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_worker_and_beat_refuse_to_start_with_production_settings_and_no_sender(service, tmp_path):
    celery = str(Path(sys.executable).parent / "celery")
    command = [celery, "-A", "config", service, "--loglevel=WARNING"]
    if service == "beat":
        command += ["--schedule", str(tmp_path / "schedule")]

    # memory://: nothing to connect to; the process must stop before it would need a broker.
    result = _run(command, {"DJANGO_DEFAULT_FROM_EMAIL": "", "REDIS_URL": "memory://"})

    assert result.returncode == 1
    assert f"Celery {service} refuses to start" in result.stderr
    assert "candor.E003" in result.stderr
