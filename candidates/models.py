from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone

from candidates.emails import normalise_email, tidy_email
from candidates.validators import validate_language, validate_time_zone
from core.languages import organisation_language

DUPLICATE_EMAIL = "A candidate with this email already exists."


def default_language() -> str:
    """A new candidate's language: the organisation's (``settings.CANDOR_DEFAULT_LANGUAGE``,
    as a code of ``settings.LANGUAGES``: "en" gives "en-gb"; ``core.languages``)."""
    return organisation_language()


class CandidateQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Like QuerySet.bulk_create, with each row's ``email``/``email_key`` filled as ``save()`` does."""
        objs = list(objs)
        for obj in objs:
            obj.fill_email_key()
        return super().bulk_create(objs, *args, **kwargs)


class Candidate(models.Model):
    name = models.CharField(max_length=200)
    # What the candidate likes to be called ("Rosa" for "Rosa Maria Rossi"); the greeting uses it.
    preferred_name = models.CharField(
        max_length=200, blank=True, help_text="What they like to be called, if not their full name."
    )
    # As given (in NFKC form). Uniqueness is on email_key, not on this column.
    email = models.EmailField(max_length=254)
    # candidates.emails.normalise_email(email), written by save() (and bulk_create): unique, so
    # one rule holds on SQLite and PostgreSQL alike (a lower() constraint would differ).
    email_key = models.CharField(max_length=400, editable=False)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Berlin. Reminders arrive in the candidate's morning.",
    )
    # A code of settings.CANDOR_CANDIDATE_LANGUAGES: their pages and emails are in it when it is
    # shipped (settings.LANGUAGES), else in the organisation's language (docs/languages.md).
    language = models.CharField(max_length=16, default=default_language, validators=[validate_language])
    # Consent to keep their data and contact them about this and future roles.
    consent_given_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email_key"],
                name="candidate_email_key_unique",
                violation_error_message=DUPLICATE_EMAIL,
                violation_error_code="duplicate_email",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.fill_email_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self.fill_email_key()
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None):
        self.fill_email_key()
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            # Put the duplicate next to the email field, in words (never the constraint's name).
            errors = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            if any(e.code == "duplicate_email" for e in general):
                general = [e for e in general if e.code != "duplicate_email"]
                errors.setdefault("email", []).append(
                    ValidationError(DUPLICATE_EMAIL, code="duplicate_email")
                )
            if general:
                errors[NON_FIELD_ERRORS] = general
            raise ValidationError(errors) from None

    def fill_email_key(self) -> None:
        """Tidy ``email`` and derive ``email_key`` from it (candidates.emails)."""
        self.email = tidy_email(self.email)
        self.email_key = normalise_email(self.email)

    @property
    def unsubscribed(self) -> bool:
        return self.unsubscribed_at is not None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def contactable(self) -> bool:
        return not self.unsubscribed and not self.erased

    @property
    def greeting_name(self) -> str:
        """The name every email greets them by: the preferred name if given, else the first name.

        One line (no CR/LF). "Last, First" gives "First"; a leading title ("Dr", "Ms.", "Prof")
        is skipped, so a greeting never reads "Dear Dr.," or "Dear Smith,". Empty only when the
        candidate has no name at all (erased rows keep a placeholder name).
        """
        return greeting_name_from(preferred_name=self.preferred_name, name=self.name)


_TITLES = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame madam madame herr frau sr sra srta m mme mlle".split()
)


def greeting_name_from(*, preferred_name: str | None, name: str | None) -> str:
    """The greeting name for these two values (see ``Candidate.greeting_name``)."""
    preferred = " ".join((preferred_name or "").split())
    if preferred:
        return preferred
    full = " ".join((name or "").split())
    if "," in full:
        # "Rossi, Rosa" (a spreadsheet's Last, First): the part after the comma.
        full = full.split(",", 1)[1].strip() or full.split(",", 1)[0].strip()
    words = full.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in _TITLES:
        words = words[1:]
    return words[0] if words else ""
