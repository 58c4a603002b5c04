"""Which shipped language to use for a recorded language code (the candidate's side only).

``settings.LANGUAGES`` lists the languages Candor ships a catalogue for (config/settings/parts/
i18n.py); a candidate may be recorded in another (``settings.CANDOR_CANDIDATE_LANGUAGES``), and
then gets the organisation's language (``settings.CANDOR_DEFAULT_LANGUAGE``). docs/languages.md.
"""

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_supported_language_variant, pgettext


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def organisation_language() -> str:
    """The organisation's language as a code of ``settings.LANGUAGES`` ("en" gives "en-gb").

    ``settings.CANDOR_DEFAULT_LANGUAGE``, or ``settings.LANGUAGE_CODE`` if that is not shipped.
    """
    return _supported(settings.CANDOR_DEFAULT_LANGUAGE) or _supported(settings.LANGUAGE_CODE) or "en-gb"


def shipped_language(code: str | None) -> str:
    """The language to write to someone recorded as ``code`` in: ``code`` itself (or its
    shipped variant: "de-at" gives "de", "en" gives "en-gb") when it ships, else
    ``organisation_language()``. Always a code of ``settings.LANGUAGES``."""
    return _supported(code) or organisation_language()


def is_shipped(code: str | None) -> bool:
    """Whether ``code`` (or a variant of it) has a catalogue (``settings.LANGUAGES``)."""
    return _supported(code) is not None


def long_date(day) -> str:
    """``day`` (a date) in the active language, e.g. "3 August 2026", "3. August 2026",
    "3 août 2026", "3 de agosto de 2026". The format is a translated string (Django's
    ``date`` format characters), so each catalogue says how its language writes a date."""
    # Translators: a date format (Django's "date" filter): j day, F month name, Y year.
    return date_format(day, pgettext("date format", "j F Y"))


def long_date_with_weekday(day) -> str:
    """``day`` with its weekday in the active language, e.g. "Monday 3 August 2026",
    "Montag, 3. August 2026" (the letter's reapply date)."""
    # Translators: a date format with the weekday (Django's "date" filter): l weekday, j day, F month, Y year.
    return date_format(day, pgettext("date format", "l j F Y"))


def validate_shipped_language(value: str) -> None:
    """A code of ``settings.LANGUAGES`` (a language Candor ships a catalogue for), else
    ValidationError with a sentence for HR."""
    from django.core.exceptions import ValidationError

    if value not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(
            "“%(value)s” is not a language Candor ships. Use one of: %(codes)s.",
            params={"value": value, "codes": ", ".join(code for code, _name in settings.LANGUAGES)},
        )
