import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A person's name: one rule for every form, service, import and API that stores one (core.names).
from core.names import NAME_MESSAGE, name_problem, validate_person_name


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone we know. Use a name such as Europe/Berlin."),
            params={"value": value},
        )


def candidate_languages() -> list[tuple[str, str]]:
    """(code, English name) of the languages a candidate may be recorded in:
    ``settings.CANDOR_CANDIDATE_LANGUAGES`` (the shipped ``settings.LANGUAGES`` first, then
    some not translated yet: their candidates get the organisation's language; docs/languages.md)."""
    return list(getattr(settings, "CANDOR_CANDIDATE_LANGUAGES", settings.LANGUAGES))


def language_codes() -> tuple[str, ...]:
    """The language codes a candidate may have: those of ``candidate_languages()``."""
    return tuple(code for code, _name in candidate_languages())


def validate_language(value: str) -> None:
    """A code of ``candidate_languages()`` (e.g. ``en-gb``, ``de``)."""
    if value not in language_codes():
        codes = language_codes()
        examples = ", ".join(codes) if len(codes) <= 8 else settings.LANGUAGE_CODE
        raise ValidationError(
            "“%(value)s” is not a language we offer. Use a language code such as %(examples)s.",
            params={"value": value, "examples": examples},
        )


__all__ = [
    "NAME_MESSAGE",
    "candidate_languages",
    "language_codes",
    "name_problem",
    "validate_language",
    "validate_person_name",
    "validate_time_zone",
]
