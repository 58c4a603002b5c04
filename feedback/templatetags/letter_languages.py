"""The language of letters on HR's pages (docs/languages.md).

``{% load letter_languages %}`` then:

- ``{{ letter|letter_language_name }}``: "German" — the language a letter is written in
  (``letters.services.letter_language``, its template's);
- ``{% point_language_notices letter as notices %}``: one sentence per feedback point of the
  letter's decision that seems to be written in another language than the letter (by
  ``feedback.quality.languages.identify``). The points stay as the decider wrote them; HR
  decides whether to ask the decider for a translation;
- ``{% template_preview template as preview %}``: the subject and text a letter drafted from
  ``template`` would have, with sample values, in the template's language.
"""

import datetime as dt

from django import template
from django.conf import settings
from django.utils import timezone, translation

from core.text import one_line
from feedback import placeholders
from feedback.letters.progress import Progress, human_date
from feedback.letters.services import letter_language, template_language
from feedback.quality.languages import identify
from feedback.quality.languages import language_name as identified_name

register = template.Library()


def _name(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)


@register.filter
def letter_language_name(letter) -> str:
    """The English name of the language ``letter`` is written in ("German")."""
    return _name(letter_language(letter))


@register.filter
def language_name(code: str) -> str:
    """The English name of a code of ``settings.LANGUAGES`` ("de" -> "German")."""
    return _name(code)


@register.simple_tag
def point_language_notices(letter) -> list[str]:
    """Sentences for HR naming the points whose language differs from the letter's (see the module).

    A point too short to tell (``identify`` gives None) is not reported. One query (the points).
    """
    letter_code = letter_language(letter).split("-")[0]
    notices = []
    for point in letter.decision.points.select_related("criterion").order_by("position", "id"):
        found = identify(f"{point.observation}\n{point.suggestion}")
        if found.code is None or found.code == letter_code:
            continue
        notices.append(
            f"The point on “{one_line(point.criterion.name)}” seems to be written in "
            f"{identified_name(found.code)}, and the letter is in {_name(letter_language(letter))}. "
            "It stays as the decider wrote it: ask them for a translation if the candidate may not read it."
        )
    return notices


_SAMPLE = {
    "candidate_first_name": "Rosa",
    "candidate_name": "Rosa Rossi",
    "job_title": "Data Analyst",
    "team": "Analytics",
    "decider_name": "Sam Lee",
    "decider_first_name": "Sam",
    "hr_email": "hr@example.com",
}


@register.simple_tag
def template_preview(letter_template) -> dict:
    """{"language", "subject", "body"} of a letter drafted from ``letter_template`` with sample
    values, in its language, or {"error"} when its placeholders do not render."""
    from feedback.letters.services import points_text

    code = template_language(letter_template)
    with translation.override(code):
        progress = Progress(
            passed=("Resume review", "Phone screen"), stage="Onsite", completed=2, planned=4, further_than=7
        )
        values = {
            **_SAMPLE,
            "org_name": settings.CANDOR_ORG_NAME,
            "progress": progress.sentence,
            "points": points_text([]) or _sample_points(),
            "reapply_date": human_date(timezone.localdate() + dt.timedelta(days=90)),
        }
        try:
            subject = placeholders.render(letter_template.subject, values)
            body = placeholders.render(letter_template.body_text, values)
        except placeholders.PlaceholderError as exc:
            return {"language": _name(code), "error": str(exc)}
    return {"language": _name(code), "subject": one_line(subject), "body": body.strip()}


def _sample_points() -> str:
    saw = translation.gettext("What we saw:")
    stronger = translation.gettext("What would have been stronger:")
    return f"SQL\n- {saw} (the decider's words, as written)\n  {stronger} (the decider's words, as written)"
