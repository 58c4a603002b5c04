"""Writes of the candidates app."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidates import hooks
from candidates.emails import normalise_email, tidy_email, validate_email_address
from candidates.models import DUPLICATE_EMAIL, Candidate, default_language
from core import roles
from core.audit import audit_record

# What candidate_update may change (consent, unsubscribe and erasure have their own services).
EDITABLE_FIELDS = ("name", "preferred_name", "email", "phone", "time_zone", "language")
ERASED = "This candidate's details were erased, so they cannot be edited."


def _duplicate() -> ValidationError:
    return ValidationError({"email": ValidationError(DUPLICATE_EMAIL, code="duplicate_email")})


def is_duplicate_email(exc: ValidationError) -> bool:
    """Whether ``exc`` (from candidate_create/candidate_update) refuses an email another
    candidate already has."""
    errors = getattr(exc, "error_dict", {}).get("email", [])
    return any(getattr(e, "code", None) == "duplicate_email" for e in errors)


def _check_email(email: str) -> None:
    """The forms' email rule (candidates.emails) for callers that skip the forms; empty is
    left to the model's "required"."""
    if email:
        try:
            validate_email_address(email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.error_list}) from None


def _tidy(field: str, value) -> str:
    value = "" if value is None else str(value)
    return tidy_email(value) if field == "email" else value.strip()


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
    preferred_name: str = "",
    language: str = "",
) -> Candidate:
    """Add a candidate. Emails are unique by ``candidates.emails.normalise_email`` (case and
    Unicode look-alike forms count as the same address).

    ``time_zone``: an IANA name or empty. ``consent``: consent was given now. ``source``: where
    the candidate came from when not added by hand (e.g. ``import``), kept in the audit row.
    ``preferred_name``: optional. ``language``: a code of ``settings.LANGUAGES``; empty means
    ``settings.LANGUAGE_CODE``. Only HR adds candidates. Raises ValidationError keyed by field
    (``email`` for a duplicate, with code ``duplicate_email``).
    """
    if by is None or not roles.is_hr(by):
        raise ValidationError({NON_FIELD_ERRORS: "Only HR can add candidates."})
    email = tidy_email(email)
    _check_email(email)
    if email and Candidate.objects.filter(email_key=normalise_email(email)).exists():
        raise _duplicate()
    candidate = Candidate(
        name=(name or "").strip(),
        preferred_name=(preferred_name or "").strip(),
        email=email,
        phone=(phone or "").strip(),
        time_zone=(time_zone or "").strip(),
        language=(language or "").strip() or default_language(),
        consent_given_at=timezone.now() if consent else None,
    )
    candidate.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # two HR users adding the same person at once
        raise _duplicate() from exc
    audit_record(
        actor=by, verb="candidate.create", target=candidate, data={"source": source} if source else None
    )
    return candidate


@transaction.atomic
def candidate_update(*, candidate: Candidate, by, source: str = "hr", **changes) -> Candidate:
    """Change a candidate's details: any of ``EDITABLE_FIELDS`` given as keyword arguments.

    ``by``: an HR user (``source`` ``"hr"``), or None with ``source`` ``"candidate"`` when the
    candidate changes their own details through their signed link (the reapply form).
    ``changes``: new values (strings); ``email`` is tidied (candidates.emails), ``language`` is
    a code of ``settings.LANGUAGES`` (empty: ``settings.LANGUAGE_CODE``), ``time_zone`` an IANA
    name or empty. Fields whose value does not change are ignored; if nothing changes nothing
    is written or audited.

    Validates like the add form; refuses erased candidates. Audits ``candidate.update`` with the
    names of the changed fields only (never old or new values: they are personal data), then
    calls ``candidates.hooks.candidate_updated`` inside the transaction (feedback moves pending
    reapply reminders to the new time zone). Updates ``candidate`` in place and returns it.

    Raises ValidationError keyed by field (``email`` with code ``duplicate_email`` when another
    candidate has that address); TypeError for a field that cannot be changed here.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"candidate_update cannot change: {', '.join(sorted(unknown))}")
    if source == "candidate":
        if by is not None:
            raise ValidationError({NON_FIELD_ERRORS: "Only the candidate's own link can do this."})
    elif by is None or not roles.is_hr(by):
        raise ValidationError({NON_FIELD_ERRORS: "Only HR can edit candidates."})
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.erased:
        raise ValidationError({NON_FIELD_ERRORS: ERASED})
    if "language" in changes:
        changes["language"] = _tidy("language", changes["language"]) or default_language()
    changed = set()
    for field, value in changes.items():
        value = _tidy(field, value)
        if value != getattr(locked, field):
            setattr(locked, field, value)
            changed.add(field)
    if not changed:
        return candidate
    if "email" in changed:
        _check_email(locked.email)
        key = normalise_email(locked.email)
        if key and Candidate.objects.filter(email_key=key).exclude(pk=locked.pk).exists():
            raise _duplicate()
    # A language recorded before settings.LANGUAGES was shortened stays until it is changed.
    locked.full_clean(validate_constraints=False, exclude=None if "language" in changed else ["language"])
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:  # another candidate took the address meanwhile
        raise _duplicate() from exc
    for field in (*EDITABLE_FIELDS, "email_key", "updated_at"):
        setattr(candidate, field, getattr(locked, field))
    changed = frozenset(changed)
    audit_record(
        actor=by,
        verb="candidate.update",
        target=locked,
        data={"fields": sorted(changed), "source": source},
    )
    hooks.candidate_updated(candidate=candidate, changed=changed)
    return candidate


@transaction.atomic
def candidate_consent_record(*, candidate: Candidate, by, source: str = "hr") -> Candidate:
    """Record, now, that the candidate agreed that we keep their details and contact them about
    this and future roles (``Candidate.consent_given_at``), e.g. from a CSV import's consent
    column (``source`` ``"import"``).

    HR only. Idempotent: consent already on file keeps its date, and nothing is written or
    audited. Refuses erased candidates. Audits ``candidate.consent_recorded`` with ``source``.
    Updates ``candidate`` in place and returns it. Raises ValidationError.
    """
    if by is None or not roles.is_hr(by):
        raise ValidationError({NON_FIELD_ERRORS: "Only HR can record a candidate's consent."})
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.erased:
        raise ValidationError({NON_FIELD_ERRORS: ERASED})
    if locked.consent_given_at is None:
        locked.consent_given_at = timezone.now()
        locked.save(update_fields=["consent_given_at", "updated_at"])
        audit_record(actor=by, verb="candidate.consent_recorded", target=locked, data={"source": source})
    candidate.consent_given_at = locked.consent_given_at
    return candidate
