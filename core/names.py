"""One rule for a person's name, wherever one is stored (candidates, reapplying, the CSV
import, the API, SCIM, staff People forms).

A name is shown to HR, deciders and the candidate, in pages, emails and exports. Characters
that change how the text around them is shown, or that nobody can see, are refused: a
right-to-left override (U+202E) stored in a name made HR read it reversed. Refused:

- control characters (Unicode category Cc: NUL, tabs, line breaks, DEL, C1 controls), and the
  line and paragraph separators U+2028, U+2029 (categories Zl, Zp);
- format characters (category Cf): the bidirectional controls U+202A–U+202E, U+2066–U+2069,
  U+200E, U+200F, U+061C, zero-width space U+200B, word joiner U+2060, U+FEFF and the rest;
  except the zero-width joiner and non-joiner (U+200D, U+200C) *between two letters*, which
  Persian, Indic and other scripts need to spell names correctly;
- lone surrogates (category Cs: bytes that were not text) and private-use characters (Co).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Needed inside words of some scripts (ZWNJ in Persian "Mohammad‌reza", ZWJ in Indic conjuncts).
_JOINERS = frozenset({"\u200c", "\u200d"})
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})

NAME_MESSAGE = _(
    "Names cannot contain control or invisible formatting characters (found %(char)s). "
    "Type the name again without it."
)


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in "\r\n\u2028\u2029\x85":
        return f"a line break, {code}"
    if char == "\t":
        return f"a tab, {code}"
    label = unicodedata.name(char, "")
    return f"{code}, {label.lower()}" if label else code


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def name_problem(value: str) -> str:
    """The first refused character of ``value`` described in words ("U+202E, right-to-left
    override"), or "" when ``value`` is a name that may be stored. ``value``: a str."""
    for index, char in enumerate(value):
        if unicodedata.category(char) not in _REFUSED_CATEGORIES:
            continue
        if char in _JOINERS and 0 < index < len(value) - 1:
            if _is_letter(value[index - 1]) and _is_letter(value[index + 1]):
                continue
        return _describe(char)
    return ""


def validate_person_name(value) -> None:
    """Django validator for a person's name (full, preferred, first or last).

    Raises ValidationError (code "name_characters", message ``NAME_MESSAGE``) when ``value``
    contains a refused character (see the module's docstring). None and "" pass: whether a
    name is required is the field's business.
    """
    if not value or not isinstance(value, str):
        return
    problem = name_problem(value)
    if problem:
        raise ValidationError(NAME_MESSAGE, code="name_characters", params={"char": problem})
