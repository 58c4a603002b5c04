"""Login throttling that slows attackers without locking people out (docs/accounts.md).

django-axes records each failed sign-in (username, client address, time; never the password:
AXES_SENSITIVE_PARAMETERS) and asks this module's handler whether the next attempt may go on.
Four limits, each a *delay* that starts at CANDOR_LOGIN_DELAY_SECONDS once its limit is reached
and doubles with every further failure, up to a maximum:

- one username from one address (AXES_FAILURE_LIMIT, default 5): a guesser at one person;
- one address over all usernames (CANDOR_LOGIN_ADDRESS_FAILURE_LIMIT): a password spray;
- one username over all addresses (CANDOR_LOGIN_USERNAME_FAILURE_LIMIT, a high limit and a
  delay capped at CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS): a distributed attack on one person,
  slowed, while a few wrong passwords for ``hr`` from one client never stop ``hr`` elsewhere;
- everything (CANDOR_LOGIN_GLOBAL_FAILURE_LIMIT): past it, the first two limits drop to one.

Failures are forgotten AXES_COOLOFF_TIME hours after the last one; a successful sign-in clears
the failures of that username from that address. The client address is read behind
CANDOR_TRUSTED_PROXY_COUNT proxies (``client_ip``).
"""

from __future__ import annotations

import ipaddress
import math
import unicodedata
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str:
    """The client's address: the CANDOR_TRUSTED_PROXY_COUNT-th entry from the right of
    X-Forwarded-For (each trusted proxy appends the address it received the request from),
    or REMOTE_ADDR with no proxy, a shorter header than expected, or an entry that is not an
    IP address. Returns a string (IPv4 or IPv6), possibly empty when Django got no address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = int(getattr(settings, "CANDOR_TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


@dataclass(frozen=True)
class Verdict:
    """Whether a sign-in attempt must wait: ``retry_after`` seconds (0: go on), and which
    limit asked for it (``"username+address"``, ``"address"``, ``"username"`` or ``""``)."""

    retry_after: float
    limit: str


def _delay(failures: int, last, limit: int, cap: float, now) -> float:
    """Seconds still to wait after ``failures`` failures, the last at ``last``: none below
    ``limit``, then CANDOR_LOGIN_DELAY_SECONDS doubled per failure past it, at most ``cap``."""
    if not failures or limit <= 0 or failures < limit or last is None:
        return 0.0
    base = float(settings.CANDOR_LOGIN_DELAY_SECONDS)
    exponent = min(failures - limit, 32)
    wait = min(cap, base * (2**exponent))
    return max(0.0, (last - now).total_seconds() + wait)


def verdict(request: HttpRequest, credentials: dict | None = None) -> Verdict:
    """The throttle's answer for this request's username and client address (module docstring)."""
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    username = get_client_username(request, credentials)
    now = timezone.now()
    window = now - get_cool_off(request)
    recent = AccessAttempt.objects.filter(attempt_time__gte=window)

    def tally(queryset):
        row = queryset.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        return row["n"] or 0, row["last"]

    total, _ = tally(recent)
    alarm = total >= settings.CANDOR_LOGIN_GLOBAL_FAILURE_LIMIT
    cap = float(settings.CANDOR_LOGIN_MAX_DELAY_SECONDS)
    pair_limit = 1 if alarm else get_failure_limit(request, credentials)
    address_limit = 1 if alarm else settings.CANDOR_LOGIN_ADDRESS_FAILURE_LIMIT
    checks = [
        ("username+address", recent.filter(username=username, ip_address=ip), pair_limit, cap),
        ("address", recent.filter(ip_address=ip), address_limit, cap),
        (
            "username",
            recent.filter(username=username),
            settings.CANDOR_LOGIN_USERNAME_FAILURE_LIMIT,
            float(settings.CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS),
        ),
    ]
    best = Verdict(0.0, "")
    for name, queryset, limit, limit_cap in checks:
        failures, last = tally(queryset)
        wait = _delay(failures, last, limit, limit_cap, now)
        if wait > best.retry_after:
            best = Verdict(wait, name)
    return best


class ThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler (it records failures, cleans old ones, logs lockouts without the
    password) whose lock decision is ``verdict``: a delay rather than a count-based lock."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Axes compares this with the failure limit: the limit while a delay runs, else 0."""
        answer = verdict(request, credentials)
        request.candor_throttle = answer
        return get_failure_limit(request, credentials) if answer.retry_after > 0 else 0


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page shown while a delay runs: 429 with a Retry-After header (seconds, rounded up)."""
    answer = getattr(request, "candor_throttle", None) or verdict(request, credentials)
    seconds = max(1, math.ceil(answer.retry_after))
    response = render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"retry_after": seconds, "retry_minutes": math.ceil(seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def username_of(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username as the throttle counts it: NFKC-normalised (as Django normalises usernames),
    trimmed and case-folded, as sign-in matches it.

    (``AXES_USERNAME_CALLABLE``.) Without it, ``HR``, ``Hr`` and ``hr`` were three usernames to
    the throttle but one person to sign-in, so changing the case got round every limit.
    """
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    value = (credentials or {}).get(field)
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get(field)
    return unicodedata.normalize("NFKC", str(value or "")).strip().casefold()


# -- the second factor ----------------------------------------------------------------------

_SECOND_FACTOR_KEY = "candor:2fa-failures:{}"


def second_factor_wait(user) -> float:
    """Seconds ``user`` must still wait before another 2FA code is tried (0: go on).

    Wrong codes for one account, from any address, past DJANGO_AXES_FAILURE_LIMIT start the
    same doubling delay as passwords (CANDOR_LOGIN_DELAY_SECONDS, at most
    CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS): a 6-digit code cannot be guessed by trying
    fast, while the real person waits seconds to minutes, never hours. Counted in the cache
    for CANDOR_LOGIN_MEMORY_HOURS (AXES_COOLOFF_TIME).
    """
    from django.core.cache import cache

    record = cache.get(_SECOND_FACTOR_KEY.format(user.pk))
    if not record:
        return 0.0
    failures, last = record
    return _delay(
        failures,
        last,
        int(settings.AXES_FAILURE_LIMIT),
        float(settings.CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS),
        timezone.now(),
    )


def second_factor_failed(user) -> None:
    """Count one wrong 2FA code for ``user`` (``second_factor_wait``)."""
    from django.core.cache import cache

    key = _SECOND_FACTOR_KEY.format(user.pk)
    failures = (cache.get(key) or (0, None))[0] + 1
    cache.set(key, (failures, timezone.now()), int(float(settings.AXES_COOLOFF_TIME) * 3600))


def second_factor_passed(user) -> None:
    """A right code: the count starts again."""
    from django.core.cache import cache

    cache.delete(_SECOND_FACTOR_KEY.format(user.pk))
