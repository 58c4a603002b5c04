"""Candidate links stay out of the logs: their signed tokens, and any query string, are masked.

A candidate's page is opened with a signed token in its path (``/c/<token>/``,
``/c/unsubscribe/<token>/``, ...: ``feedback/portal/urls.py``); anyone who reads that URL
in a log can open the page. So:

- gunicorn's access log (``config/gunicorn.conf.py``) uses ``CandorGunicornLogger``: the
  request line, path, query, Referer, Location and every other atom are masked before
  they are formatted, cookies and credentials dropped;
- Django's own messages ("Not Found: /c/<token>/", CSRF failures) and gunicorn's error log
  pass through ``MaskCandidateTokens``, a ``logging.Filter`` (production settings).

Under the candidate prefix every path segment that is not one of the pages' fixed words
(``CANDIDATE_WORDS``) becomes ``[token]``: a new kind of link is masked until its words are
listed, never leaked. Query strings keep their parameter names, each value ``[redacted]``
(search boxes take names and email addresses). ``/c/[token]/remind/?next=[redacted]``
still shows which page was asked for.

Plain Python (and gunicorn's logger): no Django needed, so gunicorn's master can use it.
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger as GunicornLogger

# The masking rules are core's (core/masking.py), shared with every page that shows staff the
# text of a message sent to a candidate; re-exported here for the loggers below.
from core.masking import (
    CANDIDATE_SEGMENT,
    CANDIDATE_WORDS,
    REDACTED,
    TOKEN,
    mask_path,
    mask_query,
    mask_text,
    mask_uri,
)

__all__ = [
    "CANDIDATE_SEGMENT",
    "CANDIDATE_WORDS",
    "REDACTED",
    "TOKEN",
    "CandorGunicornLogger",
    "MaskCandidateTokens",
    "mask_atoms",
    "mask_path",
    "mask_query",
    "mask_request_line",
    "mask_text",
    "mask_uri",
]


def mask_request_line(line: str) -> str:
    """``GET /c/<token>/?x=1 HTTP/1.1`` → ``GET /c/[token]/?x=[redacted] HTTP/1.1``."""
    method, sep, rest = line.partition(" ")
    if not sep:
        return mask_text(line)
    uri, sep2, protocol = rest.rpartition(" ")
    if not sep2:
        return f"{method} {mask_uri(rest)}"
    return f"{method} {mask_uri(uri)} {protocol}"


# gunicorn's access log atoms (https://docs.gunicorn.org/en/stable/settings.html#access-log-format).
_REQUEST_LINE_ATOMS = {"r"}
_URI_ATOMS = {
    "U",
    "f",
    "{raw_uri}e",
    "{request_uri}e",
    "{path_info}e",
    "{http_referer}e",
    "{referer}i",
    "{location}o",
    "{content-location}o",
}
_QUERY_ATOMS = {"q", "{query_string}e"}
# Credentials: never logged, whatever the format asks for.
_SECRET_ATOMS = {
    "{cookie}i",
    "{http_cookie}e",
    "{authorization}i",
    "{http_authorization}e",
    "{proxy-authorization}i",
    "{http_proxy_authorization}e",
    "{x-csrftoken}i",
    "{http_x_csrftoken}e",
    "{set-cookie}o",
}


def mask_atoms(atoms: dict) -> dict:
    """gunicorn's access log atoms with tokens, queries and credentials masked (a new dict)."""
    masked = {}
    for key, value in atoms.items():
        if not isinstance(value, str):
            masked[key] = value
        elif key in _SECRET_ATOMS:
            masked[key] = REDACTED
        elif key in _REQUEST_LINE_ATOMS:
            masked[key] = mask_request_line(value)
        elif key in _URI_ATOMS:
            masked[key] = mask_uri(value)
        elif key in _QUERY_ATOMS:
            masked[key] = mask_query(value)
        else:
            masked[key] = mask_text(value)
    return masked


class MaskCandidateTokens(logging.Filter):
    """A logging filter that masks candidate tokens and query strings in each record's message.

    The message is formatted once (``record.getMessage()``) and its arguments dropped, so a
    token passed as an argument is masked too. Always lets the record through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's to report, not ours
            return True
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


class CandorGunicornLogger(GunicornLogger):
    """gunicorn's logger with candidate tokens, query strings and credentials masked.

    The access log formats masked atoms (``mask_atoms``); the error log ("Error handling
    request /c/<token>/") passes through ``MaskCandidateTokens``.
    """

    def atoms(self, resp, req, environ, request_time):
        return mask_atoms(super().atoms(resp, req, environ, request_time))

    def setup(self, cfg):
        super().setup(cfg)
        # The access log is masked atom by atom (above); its lines need no second pass.
        for handler in self.error_log.handlers:
            if not any(isinstance(f, MaskCandidateTokens) for f in handler.filters):
                handler.addFilter(MaskCandidateTokens())
