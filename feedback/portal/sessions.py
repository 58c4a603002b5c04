"""Candidate links exchanged for a short-lived session (issue 13, item 5).

An email's link carries a signed token (``feedback.links``). Opened with GET, the
page stores that token in the visitor's session under a random key (a *slot*)
and redirects to the same page with the slot in place of the token. So the
address bar, the browser's history, bookmarks, screenshots and Referer headers
carry only the slot, which opens nothing outside this browser's session and
stops working after ``CANDOR_CANDIDATE_SESSION_MINUTES`` (default 120 minutes,
counted from the exchange, not extended by use). Opening the email's link
again makes a new slot.

Every request through a slot reads the letter from the stored token again
(``feedback.portal.selectors.letter_from_token``), so an expired, erased or
withdrawn letter is refused exactly as with the token itself.

A slot never contains ``:``; a signed token always does (``django.core.signing``),
which is how the views tell them apart.
"""

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from feedback.links import make_token
from feedback.portal.selectors import LinkProblem, link_expires_at

SESSION_KEY = "candor_candidate_links"
MAX_SLOTS = 20  # per session: the oldest are dropped beyond this (a candidate opens few letters)


def is_signed_token(value: str) -> bool:
    """True for a signed token from an email (it contains ``:``), False for a session slot."""
    return ":" in value


def _lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "CANDOR_CANDIDATE_SESSION_MINUTES", 120))


def _slots(request: HttpRequest) -> dict:
    slots = request.session.get(SESSION_KEY)
    return slots if isinstance(slots, dict) else {}


def exchange(request: HttpRequest, purpose: str, token: str) -> str:
    """Store ``token`` (already checked by the caller) in the session; return its new slot.

    Args: ``purpose`` is a key of ``feedback.links.PURPOSES``; ``token`` the signed token.
    Returns: the slot, 22 URL-safe characters. A token already stored for the same purpose
    and still fresh keeps its slot, so reloading the email's link does not fill the session.
    """
    now = timezone.now()
    slots = {
        key: entry
        for key, entry in _slots(request).items()
        if dt.datetime.fromisoformat(entry["until"]) > now
    }
    for key, entry in slots.items():
        if entry["purpose"] == purpose and entry["token"] == token:
            return key
    slot = secrets.token_urlsafe(16)
    slots[slot] = {"purpose": purpose, "token": token, "until": (now + _lifetime()).isoformat()}
    if len(slots) > MAX_SLOTS:
        oldest = sorted(slots, key=lambda key: slots[key]["until"])[: len(slots) - MAX_SLOTS]
        for key in oldest:
            del slots[key]
    request.session[SESSION_KEY] = slots
    return slot


def slot_for(request: HttpRequest, purpose: str, public_id: uuid.UUID) -> str:
    """A slot for the letter ``public_id`` and ``purpose``, for a link inside a candidate page.

    The page's own links (reapply, unsubscribe, the candidate's other letters) then carry no
    token either. Returns the slot (see ``exchange``).
    """
    for key, entry in _slots(request).items():
        if entry["purpose"] == purpose and entry.get("public_id") == str(public_id):
            if dt.datetime.fromisoformat(entry["until"]) > timezone.now():
                return key
    slot = exchange(request, purpose, make_token(purpose, public_id))
    slots = request.session[SESSION_KEY]
    slots[slot]["public_id"] = str(public_id)
    request.session.modified = True
    return slot


def token_for(request: HttpRequest, purpose: str, slot: str) -> str:
    """The signed token stored under ``slot`` for ``purpose``.

    Raises ``LinkProblem("cookies")`` when the request carries no session cookie at all
    (cookies blocked for this site, or the address opened in another browser): opening the
    email's link again would only loop, so the page says the address needs cookies and how
    to allow them. Raises ``LinkProblem("session")`` when this session has no such slot (the
    slot made for another purpose, or the session ended) or it is older than the lifetime:
    the page then asks the candidate to open the email's link again.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        raise LinkProblem("cookies")
    entry = _slots(request).get(slot)
    if not entry or entry.get("purpose") != purpose:
        raise LinkProblem("session")
    if dt.datetime.fromisoformat(entry["until"]) <= timezone.now():
        raise LinkProblem("session")
    return entry["token"]


def letter_links_still_open(letter, *, now: dt.datetime | None = None) -> bool:
    """Whether a letter-page link sent with ``letter`` would still open the page now.

    The same lifetime rule as ``feedback.portal.selectors.letter_from_token``
    (``link_expires_at``), counted from when the letter went out (``sent_at``; a letter shown
    on the page only, never emailed, counts from its approval or creation), never from a
    token made now. A page reached through a link that never expires (the unsubscribe link,
    RFC 8058) offers a way back to the letter's page only while this is True, so it is no way
    past the letter links' lifetime. ``now``: aware datetime, default the current time.
    """
    sent = letter.sent_at or letter.approved_at or letter.created_at
    return (now or timezone.now()) <= link_expires_at(letter, signed_at=sent)
