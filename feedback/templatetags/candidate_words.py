"""Words that every page and email a candidate reads must say the same way.

``{% load candidate_words %}`` then ``{% fresh_panel_promise %}`` (or ``{% fresh_panel_promise
as promise %}`` inside a ``{% blocktranslate %}``): the promise about the panel of a
reapplication (``feedback.placeholders.FRESH_PANEL_PROMISE``, which the default letter
template uses too), in the active language, so the pages, the reminder and the letter cannot
drift apart. ``{{ day|long_date }}`` and ``{{ day|long_date_with_weekday }}``: a date as the
active language writes it (``core.languages``).
"""

from django import template
from django.utils.translation import gettext

from core.languages import long_date as _long_date
from core.languages import long_date_with_weekday as _long_date_with_weekday
from feedback.placeholders import FRESH_PANEL_PROMISE

register = template.Library()


@register.simple_tag
def fresh_panel_promise() -> str:
    """The promise, lower-case, without a full stop: "If you reapply, {% fresh_panel_promise %}." """
    return gettext(FRESH_PANEL_PROMISE)


@register.filter
def long_date(day) -> str:
    """A date in the active language ("3 August 2026", "3. August 2026"); "" for None."""
    return _long_date(day) if day else ""


@register.filter
def long_date_with_weekday(day) -> str:
    """A date with its weekday in the active language ("Monday 3 August 2026"); "" for None."""
    return _long_date_with_weekday(day) if day else ""


@register.filter
def letter_language(letter) -> str:
    """The code of the language ``letter`` is written in (its template's), for a ``lang``
    attribute: the letter may be in another language than the page around it."""
    from feedback.letters.services import letter_language as language_of

    return language_of(letter)
