"""Reads of the privacy pages: who may export and erase personal data, and finding the person.

One candidate is loaded with ``candidates.selectors.candidate_for_hr`` (the one
home of "HR may open any candidate"); the search here differs from the
candidates list in that it finds erased candidates too (their record is what
an erasure request asks about).
"""

from django.db.models import Q, QuerySet

from candidates.models import Candidate
from core import roles

SEARCH_MIN_LENGTH = 2


def can_manage_personal_data(user) -> bool:
    """Search, export and erase candidates' personal data: HR only. None (no user): False."""
    return user is not None and roles.is_hr(user)


def candidates_matching(user, query: str, *, limit: int = 50) -> QuerySet[Candidate]:
    """Candidates whose name or email contains ``query`` (case-insensitive), erased ones included.

    At most ``limit`` rows, by name. Nothing for a user who is not HR, for a query
    shorter than SEARCH_MIN_LENGTH characters, or one with a NUL character.
    """
    query = (query or "").strip()
    if not can_manage_personal_data(user) or len(query) < SEARCH_MIN_LENGTH or "\x00" in query:
        # No stored text has a NUL (PostgreSQL refuses one in a query): nothing can match.
        return Candidate.objects.none()
    return Candidate.objects.filter(Q(email__icontains=query) | Q(name__icontains=query)).order_by(
        "name", "id"
    )[:limit]
