"""Reads of the candidates app. Candidates are HR's to browse; others reach them through
applications they may see (hiring.selectors)."""

import zoneinfo

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from candidates.emails import normalise_email
from candidates.models import Candidate
from core import roles
from core.dates import org_tz


def candidates_for_hr(user, *, search: str = "") -> QuerySet[Candidate]:
    if not roles.is_hr(user):
        return Candidate.objects.none()
    qs = Candidate.objects.filter(erased_at__isnull=True).annotate(application_count=Count("applications"))
    search = search.strip()
    if search:
        # Emails are matched on their normalised key, so "ROSA@" and "Ｒosa@" find rosa@.
        qs = qs.filter(Q(name__icontains=search) | Q(email_key__contains=normalise_email(search)))
    return qs.order_by("name", "id")


def candidate_for_hr(user, pk) -> Candidate:
    """Any candidate, erased ones included, for HR only: Http404 for anyone else, or for a
    ``pk`` that names no candidate (or is not a number). The one home of this rule: the
    candidate pages and feedback's privacy pages load a candidate through it."""
    if not roles.is_hr(user):
        raise Http404
    try:
        return Candidate.objects.get(pk=pk)
    except (Candidate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def candidate_by_email(email: str) -> Candidate | None:
    """The candidate with this address, compared by ``candidates.emails.normalise_email``."""
    key = normalise_email(email)
    return Candidate.objects.filter(email_key=key).first() if key else None


def candidate_tz(candidate) -> zoneinfo.ZoneInfo:
    """The candidate's time zone where known (``Candidate.time_zone``), else the organisation's."""
    if candidate.time_zone:
        try:
            return zoneinfo.ZoneInfo(candidate.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return org_tz()
