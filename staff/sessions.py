"""Session rules for staff: idle and absolute timeouts, and "sign out everywhere" by epoch.

Every signed-in session carries three values (stamped at sign-in by ``stamp``, from the
``user_logged_in`` signal, so any sign-in path — the login form, allauth, SSO, tests'
``force_login`` — gets them):

- ``STARTED``: when the session was signed in (epoch seconds, ``time.time()``);
- ``SEEN``: when it last made a request (refreshed at most once a minute, to spare writes);
- ``EPOCH``: the user's ``StaffAccount.session_epoch`` at sign-in.

``end_reason`` says whether a session must end: its epoch is older than the user's (someone
signed them out everywhere, or they were deactivated), it was idle for more than
``CANDOR_SESSION_IDLE_MINUTES``, or it is older than ``CANDOR_SESSION_ABSOLUTE_HOURS``.
Ending a user's sessions works with every session backend. With a server-side store
(database, cache, cached database: the default) each session's key is recorded at sign-in
(``StaffSession``) and ``end_all`` deletes those sessions from the store, so signed-in
requests cost no extra query. With signed-cookie sessions, which cannot be deleted, the
middleware compares each session's epoch with the user's on every request instead.
"""

import datetime as dt
import time
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from staff.models import StaffAccount, StaffSession

STARTED = "candor_session_started"
SEEN = "candor_session_seen"
EPOCH = "candor_session_epoch"
KEY = "candor_session_key"  # the key this session was recorded under (StaffSession)
SEEN_REFRESH_SECONDS = 60

IDLE = "idle"
ABSOLUTE = "absolute"
ENDED = "ended"


def current_epoch(user_id) -> int:
    """The user's session epoch (0 when they have no ``StaffAccount`` yet). One indexed query."""
    epoch = StaffAccount.objects.filter(user_id=user_id).values_list("session_epoch", flat=True).first()
    return epoch or 0


def server_side() -> bool:
    """Whether sessions live in a store they can be deleted from (not signed cookies)."""
    return not settings.SESSION_ENGINE.endswith("signed_cookies")


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def register(session, user_id) -> None:
    """Record the session's key for ``end_all`` (server-side stores only); prune dead rows."""
    if not server_side():
        return
    if session.session_key is None:
        session.save()
    StaffSession.objects.filter(
        user_id=user_id, created_at__lt=timezone.now() - dt.timedelta(seconds=absolute_seconds())
    ).delete()
    StaffSession.objects.get_or_create(user_id=user_id, session_key=session.session_key)
    session[KEY] = session.session_key


def end_all(user_id) -> int:
    """Delete every recorded session of the user from the session store. Returns how many."""
    rows = list(StaffSession.objects.filter(user_id=user_id).values_list("pk", "session_key"))
    store = _store()
    for _, key in rows:
        store(session_key=key).delete()
    StaffSession.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    return len(rows)


def stamp(session, user_id, *, now: float | None = None) -> None:
    """Mark ``session`` as signed in now, under the user's current epoch, and record its key."""
    now = time.time() if now is None else now
    session[STARTED] = now
    session[SEEN] = now
    session[EPOCH] = current_epoch(user_id)
    register(session, user_id)


def idle_seconds() -> float:
    return settings.CANDOR_SESSION_IDLE_MINUTES * 60.0


def absolute_seconds() -> float:
    return settings.CANDOR_SESSION_ABSOLUTE_HOURS * 3600.0


def end_reason(session, user_id, *, now: float | None = None) -> str | None:
    """Why this signed-in session must end (``ENDED``, ``IDLE``, ``ABSOLUTE``), or None.

    A session signed in before these rules existed (no stamps) is stamped now and kept.
    Refreshes ``SEEN`` when it is older than ``seen_refresh_seconds()`` (a minute, or a tenth of a
    short idle limit), so that an active session is never taken for idle. Units: seconds since
    the epoch.
    """
    now = time.time() if now is None else now
    if STARTED not in session or EPOCH not in session:
        stamp(session, user_id, now=now)
        return None
    try:
        started, seen, epoch = float(session[STARTED]), float(session.get(SEEN, 0)), int(session[EPOCH])
    except (TypeError, ValueError):
        return ENDED
    if server_side():
        if session.get(KEY) != session.session_key:  # the key changed (e.g. after a password change)
            register(session, user_id)
    elif epoch != current_epoch(user_id):
        return ENDED
    if now - seen > idle_seconds():
        return IDLE
    if now - started > absolute_seconds():
        return ABSOLUTE
    if now - seen >= seen_refresh_seconds():
        session[SEEN] = now
    return None


def seen_refresh_seconds() -> float:
    """How stale ``SEEN`` may get before a request writes it again: ``SEEN_REFRESH_SECONDS`` (one
    session write a minute at most), or a tenth of the idle limit when that is shorter, so that
    the idle limit is kept to within 10 % (fresh eyes: with a 1-minute limit, a session making a
    request every 15 s was ended as idle)."""
    return min(float(SEEN_REFRESH_SECONDS), idle_seconds() / 10.0)
