"""Signed, expiring links for candidates, who have no account.

A token names a letter (its random public id), never personal data, and is
signed with a salt per purpose: a token made to unsubscribe cannot open the
reapply form. The token carries the time it was signed; how long it works is
decided per letter when it is read (``feedback.portal.selectors.letter_from_token``:
at least until the reapply date plus ``CANDOR_LINK_GRACE_DAYS``; an unsubscribe
link never expires), so ``read_token_signed_at`` checks the signature only.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

# One salt per purpose. Changing a salt invalidates every link of that purpose.
PURPOSES = {
    "letter": "candor.links.letter",  # the candidate's page and its actions
    "unsubscribe": "candor.links.unsubscribe",  # one-click unsubscribe (RFC 8058)
    "reapply": "candor.links.reapply",  # the reapply form
}


class LinkError(Exception):
    """A link that is tampered with, expired, or made for another purpose."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def make_token(purpose: str, public_id: uuid.UUID) -> str:
    return signing.dumps(str(public_id), salt=PURPOSES[purpose], compress=False)


def read_token_signed_at(purpose: str, token: str) -> tuple[uuid.UUID, dt.datetime]:
    """The public id inside a validly signed token, and when it was signed (aware, UTC).

    Checks the signature (with ``SECRET_KEY`` or a fallback key) and the purpose's salt,
    not the token's age: the caller decides how old a link of this letter may be.
    Raises LinkError("invalid") for a tampered, truncated or other-purpose token.
    """
    salt = PURPOSES[purpose]
    try:
        value = signing.TimestampSigner(salt=salt).unsign_object(token)
        # The signed value is "<payload>:<base62 timestamp>" (django.core.signing.TimestampSigner).
        stamp = signing.Signer(salt=salt).unsign(token).rsplit(":", 1)[1]
        signed_at = dt.datetime.fromtimestamp(signing.b62_decode(stamp), tz=dt.UTC)
        return uuid.UUID(value), signed_at
    except (signing.BadSignature, ValueError, TypeError, IndexError, OverflowError) as exc:
        raise LinkError("invalid") from exc


def read_token(purpose: str, token: str, *, max_age_days: int | None = None) -> uuid.UUID:
    """The public id inside a token no older than ``max_age_days`` (default
    ``CANDOR_LINK_MAX_AGE_DAYS``), or LinkError ("expired" or "invalid").

    Candidate pages read tokens through ``feedback.portal.selectors.letter_from_token``,
    whose limit depends on the letter; this fixed limit serves tools (``reminders_due``).
    """
    public_id, signed_at = read_token_signed_at(purpose, token)
    days = settings.CANDOR_LINK_MAX_AGE_DAYS if max_age_days is None else max_age_days
    if timezone.now() - signed_at > dt.timedelta(days=days):
        raise LinkError("expired")
    return public_id


# What a preview shown to staff carries in place of a token: it has the ``:`` of a signed token,
# so the pages read it as one, and no signature, so it never verifies ("This link does not
# work"). A preview made before sending must not hold a link that starts working once the
# letter is sent (HR would hold the candidate's link).
PREVIEW_TOKEN = "preview-only:not-a-link"


def preview_urls() -> dict:
    """The candidate links of a message as staff preview it: the real addresses' shape with
    ``PREVIEW_TOKEN``, never a signed token. Returns {"candidate_page_url", "unsubscribe_url",
    "reapply_url"}, absolute URLs (``CANDOR_BASE_URL``)."""
    return {
        "candidate_page_url": absolute(reverse("candidate:letter", args=[PREVIEW_TOKEN])),
        "unsubscribe_url": absolute(reverse("candidate:unsubscribe", args=[PREVIEW_TOKEN])),
        "reapply_url": absolute(reverse("candidate:reapply", args=[PREVIEW_TOKEN])),
    }


def absolute(path: str) -> str:
    return settings.CANDOR_BASE_URL.rstrip("/") + path


def letter_page_url(letter) -> str:
    return absolute(reverse("candidate:letter", args=[make_token("letter", letter.public_id)]))


def unsubscribe_url(letter) -> str:
    return absolute(reverse("candidate:unsubscribe", args=[make_token("unsubscribe", letter.public_id)]))


def reapply_url(letter) -> str:
    return absolute(reverse("candidate:reapply", args=[make_token("reapply", letter.public_id)]))
