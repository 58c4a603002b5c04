import datetime as dt

from django.urls import reverse
from django.utils import timezone

from core.dates import BusinessCalendar
from core.models import ClosureDay
from tests.support.authz import LOGIN, OK, Case, everyone, hr_only, staff_only


def _closure_day(w):
    """A closure day to remove (made again after HR removed it, so each role finds one)."""
    day = BusinessCalendar().next_business_day(timezone.localdate() + dt.timedelta(days=30))
    closure, _ = ClosureDay.objects.get_or_create(day=day, defaults={"label": "Office move"})
    return closure


CASES = {
    "home": Case(url=lambda w: reverse("home"), expect={**staff_only(), "admin": OK}),
    "healthz": Case(url=lambda w: reverse("healthz"), expect=everyone(OK)),
    # The load balancer's readiness check: no login, ages and booleans only.
    "healthz_ready": Case(url=lambda w: reverse("healthz_ready"), expect=everyone(OK)),
    "login": Case(url=lambda w: reverse("login"), expect=everyone(OK)),
    "logout": Case(url=lambda w: reverse("logout"), method="post", expect=everyone(LOGIN)),
    "core:closure_days": Case(url=lambda w: reverse("core:closure_days"), expect=hr_only()),
    "core:closure_day_remove": Case(
        url=lambda w: reverse("core:closure_day_remove", args=[_closure_day(w).pk]),
        method="post",
        expect=hr_only(),
    ),
}
