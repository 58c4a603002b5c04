"""Closure days: days the organisation is closed besides weekends and public holidays (HR only).

A closure day is not a business day (``core.dates.is_business_day``): deadlines and
default send times computed from then on step over it, and the late digest is not sent
on it. Deadlines and send times already set stay as they are.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import roles
from core.audit import audit_record
from core.dates import BusinessCalendar, org_tz, public_holidays
from core.models import ClosureDay


def _human(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _require_hr(by, what: str) -> None:
    if by is None or not roles.is_hr(by):
        raise PermissionDenied(f"Only HR can {what}.")


def closure_days_upcoming(*, today: dt.date | None = None):
    """Closure days from ``today`` (the organisation's local date by default) on, in date order."""
    today = today or timezone.localdate(timezone.now(), org_tz())
    return ClosureDay.objects.filter(day__gte=today).order_by("day")


def public_holidays_ahead(*, today: dt.date | None = None, days: int = 366) -> list[tuple[dt.date, str]]:
    """The organisation's public holidays (``core.dates.public_holidays``) from ``today`` for ``days``
    days, as (date, name) in date order: what HR need not add as closure days."""
    today = today or timezone.localdate(timezone.now(), org_tz())
    until = today + dt.timedelta(days=days)
    found: dict[dt.date, str] = {}
    for year in range(today.year, until.year + 1):
        found.update(public_holidays(year))
    return sorted((day, name) for day, name in found.items() if today <= day < until)


@transaction.atomic
def closure_day_add(*, by, day: dt.date, label: str) -> ClosureDay:
    """Add a closure day: ``day`` (the organisation's local date, today or later) named ``label``.

    Raises PermissionDenied unless ``by`` is HR; ValidationError (``day`` or ``label``) for a
    day in the past, a day that is already not a business day (weekend, public holiday,
    closure day), or an empty or long label. Audited as ``closure_day.added``.
    """
    _require_hr(by, "add closure days")
    label = " ".join((label or "").split())
    today = timezone.localdate(timezone.now(), org_tz())
    if day < today:
        raise ValidationError({"day": "Closure days are for today or later: past deadlines do not move."})
    existing = ClosureDay.objects.filter(day=day).first()
    if existing is not None:
        raise ValidationError({"day": f"{_human(day)} is already a closure day ({existing.label})."})
    why = BusinessCalendar().why_not(day)
    if why:
        raise ValidationError({"day": f"{_human(day)} is not a business day anyway ({why})."})
    closure = ClosureDay(day=day, label=label, created_by=by)
    closure.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError as exc:  # two HR users adding the same day at once
        raise ValidationError({"day": f"{_human(day)} is already a closure day."}) from exc
    audit_record(
        actor=by, verb="closure_day.added", target=closure, data={"day": day.isoformat(), "label": label}
    )
    return closure


@transaction.atomic
def closure_day_remove(*, by, closure: ClosureDay) -> None:
    """Remove a closure day (it is a business day again from then on). Audited as
    ``closure_day.removed``. Raises PermissionDenied unless ``by`` is HR."""
    _require_hr(by, "remove closure days")
    current = ClosureDay.objects.select_for_update().filter(pk=closure.pk).first()
    if current is None:
        return
    audit_record(
        actor=by,
        verb="closure_day.removed",
        target=current,
        data={"day": current.day.isoformat(), "label": current.label},
    )
    current.delete()
