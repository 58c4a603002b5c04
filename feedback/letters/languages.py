"""Which letter template, and so which language, a letter is written in.

``feedback.letters.services`` drafts with these and re-exports them; ``findings`` reads the
letter's language from here (so that the two modules do not import each other).
"""

from core.languages import organisation_language, shipped_language
from feedback.models import FeedbackLetter, LetterTemplate


def default_template() -> LetterTemplate | None:
    """The organisation's default template: the default of its language
    (``core.languages.organisation_language``), else any default, else any template."""
    return template_for_language(organisation_language(), fallback=False) or (
        LetterTemplate.objects.filter(is_default=True).order_by("pk").first()
        or LetterTemplate.objects.order_by("pk").first()
    )


def template_for_language(language: str, *, fallback: bool = True) -> LetterTemplate | None:
    """The template to draft a letter in ``language`` with: the default template of that
    language, else its first template by name; with ``fallback`` (the default), else the
    organisation's default (``default_template``). ``language``: any code (a variant or a
    language not shipped is mapped by ``core.languages.shipped_language``). Two queries at most."""
    code = shipped_language(language) if fallback else language
    found = LetterTemplate.objects.filter(language=code).order_by("-is_default", "name", "pk").first()
    if found is None and fallback:
        return default_template()
    return found


def template_language(template: LetterTemplate | None) -> str:
    """The language a letter drafted from ``template`` is written in (None: the built-in English one)."""
    return template.language if template is not None else "en-gb"


def letter_language(letter: FeedbackLetter) -> str:
    """The language ``letter`` is written in: its template's (``template_language``), or for a
    letter without one the organisation's default template's. The email around it (footer,
    ``Content-Language``) is in this language."""
    cached = FeedbackLetter._meta.get_field("template").is_cached(letter)  # letters_prepare's
    template = letter.template if (letter.template_id or cached) else default_template()
    return template_language(template)
