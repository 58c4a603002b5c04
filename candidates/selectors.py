"""Reads of the candidates app. Candidates are HR's to browse; others reach them through
applications they may see (hiring.selectors)."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from candidates.models import Candidate
from core import roles


def candidates_for_hr(user, *, search: str = "") -> QuerySet[Candidate]:
    if not roles.is_hr(user):
        return Candidate.objects.none()
    qs = Candidate.objects.filter(erased_at__isnull=True).annotate(application_count=Count("applications"))
    search = search.strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(email__icontains=search))
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
    return Candidate.objects.filter(email__iexact=email.strip()).first()
