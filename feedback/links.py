"""Signed, expiring links for candidates, who have no account.

A token names a letter (its random public id), never personal data, and is
signed with a salt per purpose: a token made to unsubscribe cannot open the
reapply form.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse

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


def read_token(purpose: str, token: str) -> uuid.UUID:
    """The public id inside a token, or LinkError."""
    max_age = dt.timedelta(days=settings.CANDOR_LINK_MAX_AGE_DAYS)
    try:
        value = signing.loads(token, salt=PURPOSES[purpose], max_age=max_age)
        return uuid.UUID(value)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkError("invalid") from exc


def absolute(path: str) -> str:
    return settings.CANDOR_BASE_URL.rstrip("/") + path


def letter_page_url(letter) -> str:
    return absolute(reverse("candidate:letter", args=[make_token("letter", letter.public_id)]))


def unsubscribe_url(letter) -> str:
    return absolute(reverse("candidate:unsubscribe", args=[make_token("unsubscribe", letter.public_id)]))


def reapply_url(letter) -> str:
    return absolute(reverse("candidate:reapply", args=[make_token("reapply", letter.public_id)]))
