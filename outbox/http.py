"""One HTTP POST, with the engine's outcomes: what non-email transports (signed webhooks) send through.

``http_post`` tells apart what happened, as the SMTP backend does for email:

- 2xx: sent (returns the status);
- no connection (refused, DNS, TLS), or a failure while the request was still being
  written: nothing was handed over, ``TransportError`` temporary (retried with back-off);
- the request was written in full and the answer never came (timed out, connection
  dropped): the receiver may have acted on it, ``OutcomeUnknownError`` (never resent by
  the engine itself; HR decides);
- 408, 429, 5xx: ``TransportError`` temporary; any other answer (3xx: redirects are not
  followed; 4xx): ``TransportError`` permanent.

Every socket operation is bounded by ``timeout`` seconds (a connection, a write, a read).
"""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlsplit

from outbox import handover
from outbox.errors import OutcomeUnknownError, TransportError

RETRYABLE_STATUSES = {408, 429}


def http_post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST ``body`` to ``url`` (http or https) with ``headers``. Returns the 2xx status.

    Raises ``TransportError`` (``permanent`` as above, ``status`` the answer's code or
    None) or ``OutcomeUnknownError``. ``timeout``: seconds per socket operation.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("The webhook URL is not an http(s) URL.", permanent=True)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        try:
            conn.connect()
        except TimeoutError:
            raise TransportError(
                f"The receiver did not accept a connection within {timeout:g} seconds.", permanent=False
            ) from None
        except ConnectionRefusedError:
            raise TransportError(
                "Could not connect to the receiver: the connection was refused.", permanent=False
            ) from None
        except ssl.SSLError as exc:
            raise TransportError(
                f"The receiver's TLS failed ({exc.reason or exc}).", permanent=False
            ) from None
        except OSError as exc:
            raise TransportError(
                f"Could not reach the receiver ({exc.strerror or exc}).", permanent=False
            ) from None
        handover.enter()  # the body may reach the receiver from here: one process of the worker at a time
        try:
            conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        except OSError as exc:
            # Not all of the request was written: the receiver cannot have acted on it.
            raise TransportError(
                f"The connection broke while the request was sent ({type(exc).__name__}).", permanent=False
            ) from None
        try:
            response = conn.getresponse()
            status = response.status
            response.read(2048)
        except TimeoutError:
            raise OutcomeUnknownError(
                f"The receiver took the request but did not answer within {timeout:g} seconds."
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise OutcomeUnknownError(
                "The receiver took the request, then the connection broke before its answer "
                f"({type(exc).__name__})."
            ) from None
    finally:
        conn.close()
    if 200 <= status < 300:
        return status
    if status in RETRYABLE_STATUSES or status >= 500:
        raise TransportError(
            f"The receiver answered {status}; trying again later.", permanent=False, status=status
        )
    if 300 <= status < 400:
        raise TransportError(
            f"The receiver answered {status} (redirects are not followed).", permanent=True, status=status
        )
    raise TransportError(f"The receiver refused the delivery ({status}).", permanent=True, status=status)
