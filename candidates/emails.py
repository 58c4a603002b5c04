"""The one email normalisation: how an address is tidied, compared and checked.

Two addresses name the same candidate when their keys are equal. The key
(``normalise_email``) is the address in Unicode NFKC form (so full-width and other
compatibility forms become plain letters: "Ｒosa" is "Rosa"), case-folded ("ROSA@EXAMPLE.COM"
is "rosa@example.com"), without surrounding spaces. It is computed here, in Python, and
stored in ``Candidate.email_key`` under a plain unique constraint: the database only compares
the stored keys, so SQLite (whose ``lower()`` folds ASCII only) and PostgreSQL (whose
``lower()`` follows the collation) enforce exactly the same rule.

Every form, service, import and lookup goes through these functions: forms with
``EmailAddressField`` (candidates.forms), writes through ``Candidate.save()``, lookups with
``Candidate.objects.filter(email_key=normalise_email(value))``.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

# Scripts whose letters look alike; one domain label mixing two of them is a look-alike
# ("exаmple" with a Cyrillic "а"). Other mixtures (Latin with Japanese) are ordinary.
_CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})

# Shown to candidates too (the reapply form): translated (locale/).
INVALID = _("Enter a valid email address.")
INVISIBLE = _("This address contains an invisible or unusual character. Type it again by hand.")
MIXED_SCRIPTS = _(
    "This address mixes letters from different alphabets (for example a Cyrillic “а” among Latin "
    "letters), so it may not be the address it looks like. Type it again by hand."
)
MAX_LENGTH = 254


def tidy_email(value: str | None) -> str:
    """The address as it is stored and shown: NFKC form, without surrounding spaces."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalise_email(value: str | None) -> str:
    """The comparison key of an address: NFKC, case-folded, stripped ("" for no address).

    The one rule deciding whether two addresses are the same candidate (the source of
    ``Candidate.email_key`` and of every lookup by email).
    """
    return unicodedata.normalize("NFKC", tidy_email(value).casefold())


def _script(char: str) -> str:
    try:
        return unicodedata.name(char).split(" ", 1)[0]
    except ValueError:
        return ""


def validate_email_address(value: str) -> None:
    """Django's email check plus look-alike checks, with messages for a person.

    ``value``: an address already tidied (``tidy_email``). Raises ValidationError for an
    invalid address, an invisible/format character (zero-width space, direction marks), or a
    domain label that mixes look-alike alphabets. Never mentions the database.
    """
    if any(unicodedata.category(char) in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp") for char in value):
        raise ValidationError(INVISIBLE, code="invisible")
    if len(value) > MAX_LENGTH:
        raise ValidationError(f"Keep the address under {MAX_LENGTH} characters.", code="max_length")
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(INVALID, code="invalid") from None
    domain = value.rpartition("@")[2]
    for label in domain.split("."):
        scripts = {_script(char) for char in label if char.isalpha()} & _CONFUSABLE_SCRIPTS
        if len(scripts) > 1:
            raise ValidationError(MIXED_SCRIPTS, code="mixed_scripts")
