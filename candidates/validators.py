import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Use a name such as Europe/Berlin.",
            params={"value": value},
        )


def language_codes() -> tuple[str, ...]:
    """The language codes a candidate may have: those of ``settings.LANGUAGES``."""
    return tuple(code for code, _name in settings.LANGUAGES)


def validate_language(value: str) -> None:
    """A code of ``settings.LANGUAGES`` (e.g. ``en-gb``, ``de``)."""
    if value not in language_codes():
        codes = language_codes()
        examples = ", ".join(codes) if len(codes) <= 8 else settings.LANGUAGE_CODE
        raise ValidationError(
            "“%(value)s” is not a language we offer. Use a language code such as %(examples)s.",
            params={"value": value, "examples": examples},
        )
