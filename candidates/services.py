"""Writes of the candidates app."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidates.models import Candidate
from core import roles
from core.audit import audit_record

DUPLICATE_EMAIL = "A candidate with this email already exists."


@transaction.atomic
def candidate_create(
    *,
    by,
    name: str,
    email: str,
    phone: str = "",
    time_zone: str = "",
    consent: bool = False,
    source: str = "",
) -> Candidate:
    """Add a candidate. Emails are unique regardless of case.

    ``time_zone``: an IANA name or empty. ``consent``: consent was given now. ``source``: where
    the candidate came from when not added by hand (e.g. ``import``), kept in the audit row.
    Only HR adds candidates. Raises ValidationError (``email`` for a duplicate).
    """
    if not roles.is_hr(by):
        raise ValidationError({NON_FIELD_ERRORS: "Only HR can add candidates."})
    email = email.strip()
    if email and Candidate.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": DUPLICATE_EMAIL})
    candidate = Candidate(
        name=name.strip(),
        email=email,
        phone=phone.strip(),
        time_zone=time_zone.strip(),
        consent_given_at=timezone.now() if consent else None,
    )
    candidate.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # two HR users adding the same person at once
        raise ValidationError({"email": DUPLICATE_EMAIL}) from exc
    audit_record(
        actor=by, verb="candidate.create", target=candidate, data={"source": source} if source else None
    )
    return candidate
