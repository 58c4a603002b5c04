"""Signing webhook deliveries, and checking a signature (what receivers do; the tests use it too).

Header ``Candor-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256 of ``"<t>.<body>"`` keyed with the subscription's secret: Stripe's scheme
(docs/events.md has a receiver's code). The timestamp is signed with the body, so a
captured delivery cannot be replayed later than the receiver's tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Candor-Signature"
EVENT_ID_HEADER = "Candor-Event-Id"
EVENT_HEADER = "Candor-Event"
DELIVERY_ID_HEADER = "Candor-Delivery-Id"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Candor-Signature`` header value for ``body`` at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """True if ``header`` (``Candor-Signature``) signs ``body`` with ``secret``, within ``tolerance`` seconds.

    Any ``v1`` entry may match (several appear while a secret is rotated). Never raises
    for a malformed header: it is simply not valid.
    """
    try:
        parts = [item.split("=", 1) for item in (header or "").split(",")]
        timestamp = int(next(value for key, value in parts if key.strip() == "t"))
        candidates = [value for key, value in parts if key.strip() == "v1"]
    except (StopIteration, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in candidates)
