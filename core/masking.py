"""Candidate links masked wherever they are shown to someone other than the candidate.

A candidate's page opens with a signed token, or a session slot, in its path (``/c/<token>/``,
``/c/unsubscribe/<token>/``, ...: ``feedback/portal/urls.py``); anyone who reads that address
can act as the candidate. One rule, used by the logs (``config/log_masking.py``: gunicorn's
access and error logs, Django's and the development server's messages) and by every page,
export and API answer that shows staff the text of a message sent to a candidate
(``mask_candidate_links``, and the ``mask_candidate_links`` template filter in
``core/templatetags/candor_masking.py``):

Under the candidate prefix every path segment that is not one of the pages' fixed words
(``CANDIDATE_WORDS``) becomes ``[token]``: a new kind of link is masked until its words are
listed, never leaked. For logs, query strings keep their parameter names, each value
``[redacted]`` (search boxes take names and email addresses).

Plain Python, no Django: gunicorn's master imports it through config/log_masking.py.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# The portal's URL prefix (config/urls.py: path("c/", include("feedback.portal.urls"))).
CANDIDATE_SEGMENT = "c"
# The fixed words of the portal's URLs; any other segment after the prefix is a token.
# core/tests/test_gunicorn_logs.py checks this against every URL of the "candidate" namespace.
CANDIDATE_WORDS = frozenset(
    {"unsubscribe", "reapply", "remind", "ask", "rate", "reapply-date.ics", "language"}
)
TOKEN = "[token]"
REDACTED = "[redacted]"

_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,40}$")
# Something that looks like a URL or an absolute path, inside free text.
_URI_IN_TEXT = re.compile(r"""(?:[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>]*|/[^\s"'<>]*)""")


# Other addresses that carry a secret in their path: a password-reset key (allauth's
# ``/accounts/password/reset/key/<uidb36>-<key>/``, which signs in whoever opens it) and an
# email-confirmation key. The segment after each prefix becomes ``[token]``.
SECRET_PATH_PREFIXES = ("/accounts/password/reset/key/", "/accounts/confirm-email/")


def _mask_secret_paths(decoded: str) -> str | None:
    for prefix in SECRET_PATH_PREFIXES:
        at = decoded.find(prefix)
        if at >= 0:
            rest = decoded[at + len(prefix) :]
            tail = rest[rest.index("/") :] if "/" in rest else ""
            return decoded[: at + len(prefix)] + (TOKEN if rest.split("/", 1)[0] else "") + tail
    return None


def mask_path(path: str) -> str:
    """``path`` with every token segment of a candidate URL replaced by ``[token]``.

    A path with no ``/c/`` segment comes back unchanged. One with it comes back
    percent-decoded (``%63`` is ``c`` to Django too) and masked, e.g.
    ``/c/eyJ…:1tX…:abc/remind/`` → ``/c/[token]/remind/``. A password-reset or
    email-confirmation address loses its key the same way (``SECRET_PATH_PREFIXES``).
    """
    decoded = unquote(path)
    secret = _mask_secret_paths(decoded)
    if secret is not None:
        return secret
    segments = decoded.split("/")
    lowered = [segment.lower() for segment in segments]
    if CANDIDATE_SEGMENT not in lowered[:-1]:
        return path
    start = lowered.index(CANDIDATE_SEGMENT) + 1
    for index in range(start, len(segments)):
        if segments[index] and segments[index] not in CANDIDATE_WORDS:
            segments[index] = TOKEN
    return "/".join(segments)


def mask_query(query: str) -> str:
    """A query string with each value ``[redacted]`` (``q=ada&page=2`` → ``q=[redacted]&page=[redacted]``).

    A parameter whose name is not a plain identifier is ``[redacted]`` whole. "" stays "".
    """
    if not query:
        return ""
    masked = []
    for part in query.split("&"):
        key, sep, _value = part.partition("=")
        key = unquote(key)
        masked.append(f"{key}={REDACTED}" if sep and _SAFE_KEY.match(key) else REDACTED)
    return "&".join(masked)


def mask_uri(uri: str) -> str:
    """A path or absolute URL with its candidate token, query and fragment masked.

    ``https://candor.acme.com/c/<token>/?utm=x`` → ``https://candor.acme.com/c/[token]/?utm=[redacted]``.
    Anything with none of those comes back as it was.
    """
    if not uri:
        return uri
    try:
        parts = urlsplit(uri)
    except ValueError:
        return REDACTED if "?" in uri else mask_path(uri)
    path = mask_path(parts.path)
    if path == parts.path and not parts.query and not parts.fragment:
        return uri
    prefix = f"{parts.scheme}://{parts.netloc}" if parts.scheme or parts.netloc else ""
    if parts.netloc and not parts.scheme:
        prefix = f"//{parts.netloc}"
    query = f"?{mask_query(parts.query)}" if parts.query else ""
    fragment = f"#{REDACTED}" if parts.fragment else ""
    return f"{prefix}{path}{query}{fragment}"


def mask_text(text: str) -> str:
    """Free text (a log message) with every path or URL in it passed through ``mask_uri``."""
    if "/" not in text:
        return text
    return _URI_IN_TEXT.sub(lambda match: mask_uri(match.group(0)), text)


def mask_candidate_links(text: str) -> str:
    """``text`` (a message shown to staff: plain text or HTML) with every candidate link's token
    or slot replaced by ``[token]``, e.g. ``https://candor.acme.com/c/eyJ…:1tX…:abc/`` →
    ``https://candor.acme.com/c/[token]/``. Other addresses, and queries, stay as they are.

    The same segment rule as the logs (``mask_path``); "" and None come back as they were.
    """
    if not text or "/" not in text:
        return text
    return _URI_IN_TEXT.sub(lambda match: _mask_link_path(match.group(0)), text)


def _mask_link_path(uri: str) -> str:
    end = len(uri)
    for mark in ("?", "#"):
        if mark in uri:
            end = min(end, uri.index(mark))
    head, tail = uri[:end], uri[end:]
    scheme, sep, rest = head.partition("://")
    if sep:
        netloc, slash, path = rest.partition("/")
        masked = mask_path(slash + path)
        return f"{scheme}://{netloc}{masked}{tail}" if masked != slash + path else uri
    masked = mask_path(head)
    return masked + tail if masked != head else uri
