"""The language of the candidate's pages and emails (Django's i18n; docs/languages.md).

A page is in the language the candidate chose with the page's switch (Django's language
cookie, set by ``django.views.i18n.set_language``), else in the candidate's recorded
language (``Candidate.language``, if it ships), else in the organisation's. An email is in
the candidate's recorded language (``candidate_language``).
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from core.languages import is_shipped, long_date, long_date_with_weekday, shipped_language

__all__ = ["long_date", "long_date_with_weekday"]


def candidate_language(candidate) -> str:
    """The code of ``settings.LANGUAGES`` to email ``candidate`` in (their language if shipped,
    else the organisation's; ``core.languages.shipped_language``)."""
    return shipped_language(getattr(candidate, "language", None))


def chosen_language(request) -> str | None:
    """The language the candidate chose with the page's switch (the language cookie), or None."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return shipped_language(code) if is_shipped(code) else None


def page_language(request, candidate) -> str:
    """The language of ``candidate``'s page for this request (see the module)."""
    return chosen_language(request) or candidate_language(candidate)


@contextmanager
def candidate_page_language(request, candidate):
    """Render a candidate's page in ``page_language``: activates it (``request.LANGUAGE_CODE``
    too) for the ``with`` block, and yields the code, for the ``Content-Language`` header."""
    code = page_language(request, candidate)
    previous = getattr(request, "LANGUAGE_CODE", None)
    with translation.override(code):
        request.LANGUAGE_CODE = code
        try:
            yield code
        finally:
            if previous is not None:
                request.LANGUAGE_CODE = previous


def language_choices() -> list[tuple[str, str]]:
    """The switch's options: (code, the language's name in that language), e.g. ("de", "Deutsch")."""
    out = []
    for code, _name in settings.LANGUAGES:
        info = translation.get_language_info(code)
        out.append((code, info["name_local"]))
    return out


# The page's language switch (feedback.portal.urls): Django's view, POST only (with CSRF), so
# that following the form's address changes nothing and a GET answers 405.
set_page_language = require_POST(set_language)
