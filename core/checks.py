"""Deployment checks: Candor refuses to run in production with links or addresses nobody can use.

Registered in ``CoreConfig.ready()`` as deployment checks (tag ``candor``), so
``manage.py check --deploy`` reports them as errors and fails, and ``make deploy-check``
(``--fail-level WARNING``) and CI with it. Production settings also set
``CANDOR_REFUSE_TO_START_MISCONFIGURED``: gunicorn (``config/gunicorn.conf.py``) and the
Celery worker and beat (``config/celery.py``) then call ``refuse_to_start_if_misconfigured``
and exit before serving or sending anything.

What is checked (issue 13: with ``CANDOR_BASE_URL`` unset, every email's links and
``List-Unsubscribe`` pointed at ``http://127.0.0.1:8000``, and ``check --deploy`` said nothing):

- ``CANDOR_BASE_URL``: an https URL whose host is a public name, not localhost, a loopback
  or unspecified address, or a name reserved for examples and tests (RFC 2606, RFC 6761).
- ``DEFAULT_FROM_EMAIL`` (the sender of every email) and ``CANDOR_HR_EMAIL`` (where digests
  go, and the contact candidates are shown): valid addresses at a real domain, not the
  placeholders of ``base.py`` (``candor.example``) or ``.env.example`` (``example.com``).

Only settings are read: no database, no network.
"""

from __future__ import annotations

import ipaddress
import sys
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

TAG = "candor"

# Names that never reach anyone: RFC 2606 (example.com/.net/.org, .example, .test, .invalid,
# .localhost), RFC 6761, and RFC 6762's .local (multicast DNS, this network only).
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_SUFFIXES = ("example", "test", "invalid", "localhost", "local")


def reserved_host_reason(host: str) -> str:
    """Why ``host`` cannot be reached by a candidate or a mail server, or "" if it can.

    ``host`` is a host name or IP address (no port, no brackets). Returns a short phrase
    such as "is this machine" or "is reserved for examples and tests".
    """
    host = host.strip().rstrip(".").lower()
    if not host:
        return "is empty"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if address.is_loopback or address.is_unspecified:
            return "is this machine"
        if address.is_private or address.is_link_local:
            return "is a private address"
        return ""
    if host == "localhost" or host.endswith(".localhost"):
        return "is this machine"
    for domain in RESERVED_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return "is reserved for examples and tests"
    if host.rsplit(".", 1)[-1] in RESERVED_SUFFIXES:
        return "is reserved for examples and tests"
    if "." not in host:
        return "is not a public domain name"
    return ""


def base_url_errors(value: object) -> list[Error]:
    """Errors for ``CANDOR_BASE_URL`` (the absolute base of every link in an email). [] if fine."""
    hint = "Set CANDOR_BASE_URL to the site's public https address, e.g. https://candor.yourcompany.com."
    if not isinstance(value, str) or not value.strip():
        message = "CANDOR_BASE_URL is not set: links in emails would not work."
        return [Error(message, hint=hint, id="candor.E001")]
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme.lower() != "https":
        return [
            Error(
                f"CANDOR_BASE_URL is {value!r}: links in emails must use https.",
                hint=hint,
                id="candor.E001",
            )
        ]
    reason = reserved_host_reason(host)
    if reason:
        return [
            Error(
                f"CANDOR_BASE_URL is {value!r}: its host {reason}, so candidates could not open their links.",
                hint=hint,
                id="candor.E002",
            )
        ]
    return []


def address_errors(setting: str, value: object, *, variable: str, error_id: str, what: str) -> list[Error]:
    """Errors for an email address setting (``"Name <addr@domain>"`` or ``addr@domain``). [] if fine.

    ``variable`` is the environment variable that sets it (named in the hint); ``what`` says
    what the address is for, in the message ("the sender of every email").
    """
    hint = f"Set {variable} to a real address at your organisation's mail domain."
    if not isinstance(value, str) or not value.strip():
        return [Error(f"{setting} is not set: it is {what}.", hint=hint, id=error_id)]
    address = parseaddr(value)[1]
    try:
        validate_email(address)
    except ValidationError:
        message = f"{setting} is {value!r}, which is not an email address; it is {what}."
        return [Error(message, hint=hint, id=error_id)]
    domain = address.rsplit("@", 1)[1]
    reason = reserved_host_reason(domain)
    if reason:
        return [
            Error(
                f"{setting} is {value!r}: its domain {reason}, and it is {what}.",
                hint=hint,
                id=error_id,
            )
        ]
    return []


def candor_deploy_errors() -> list[Error]:
    """Every deployment error of the current settings, in a fixed order. [] when all is well."""
    return [
        *base_url_errors(getattr(settings, "CANDOR_BASE_URL", "")),
        *address_errors(
            "DEFAULT_FROM_EMAIL",
            getattr(settings, "DEFAULT_FROM_EMAIL", ""),
            variable="DJANGO_DEFAULT_FROM_EMAIL",
            error_id="candor.E003",
            what="the sender of every email Candor sends",
        ),
        *address_errors(
            "CANDOR_HR_EMAIL",
            getattr(settings, "CANDOR_HR_EMAIL", ""),
            variable="CANDOR_HR_EMAIL",
            error_id="candor.E004",
            what="where digests go and the contact shown to candidates",
        ),
    ]


@register(TAG, deploy=True)
def check_candor_deployment(app_configs=None, **kwargs) -> list[Error]:
    """The system check: ``candor_deploy_errors()``, run by ``manage.py check --deploy``."""
    return candor_deploy_errors()


def refuse_to_start_if_misconfigured(process: str) -> None:
    """Exit the process (``SystemExit(1)``) if production settings have deployment errors.

    ``process`` names what is starting ("gunicorn", "Celery worker", "Celery beat"), for the message.
    Does nothing unless the settings set ``CANDOR_REFUSE_TO_START_MISCONFIGURED`` (production
    does), so the demo, tests and benchmarks start as before. The errors go to stderr,
    one per line with their hint, before the exit.
    """
    if not getattr(settings, "CANDOR_REFUSE_TO_START_MISCONFIGURED", False):
        return
    errors = candor_deploy_errors()
    if not errors:
        return
    lines = [f"{process} refuses to start: Candor's production settings are not deployable."]
    for error in errors:
        lines.append(f"  {error.id}: {error.msg}")
        if error.hint:
            lines.append(f"    {error.hint}")
    print("\n".join(lines), file=sys.stderr, flush=True)
    raise SystemExit(1)
