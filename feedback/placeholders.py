# ruff: noqa: E501  (letter templates are prose: one paragraph per line)
"""Named placeholders of letter templates: which exist, checking them, filling them in.

Templates use ``{name}`` (``{{`` and ``}}`` for literal braces). Only plain
names from the lists below are allowed: no attribute access, indexing, format
specs or conversions, so a template cannot reach into Python objects, and an
unknown name is refused when the template is saved, not when a letter is sent.
"""

import re
from string import Formatter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from candidates.models import greeting_name_from

# Filled in when a letter is drafted (subject and text template).
LETTER_PLACEHOLDERS = {
    "candidate_first_name": "The name to greet the candidate by: their preferred name if HR recorded "
    "one, else their first name.",
    "candidate_name": "The candidate's full name.",
    "job_title": "The job's title.",
    "team": "The job's team (the organisation's name if the job has none).",
    "progress": "How far the candidate got, computed from the pipeline, as one or two sentences.",
    "points": "The decider's feedback points, grouped by criterion: what we saw and what "
    "would have been stronger.",
    "reapply_date": "The first day the candidate may apply again, e.g. Monday 3 August 2026.",
    "decider_name": "The full name of the person who made the decision.",
    "decider_first_name": "The first name of the person who made the decision.",
    "org_name": "The organisation's name.",
    "hr_email": "The HR team's email address.",
}
# The subject is one line: the multi-line parts are not offered.
SUBJECT_PLACEHOLDERS = {
    name: LETTER_PLACEHOLDERS[name]
    for name in (
        "candidate_first_name",
        "candidate_name",
        "job_title",
        "team",
        "decider_name",
        "decider_first_name",
        "org_name",
    )
}
# Filled in when the HTML part of the email is built from the edited letter.
HTML_PLACEHOLDERS = {
    "letter": "The letter as HR edited it, laid out as paragraphs and lists (required).",
    "subject": "The letter's subject.",
    "candidate_page_url": "The candidate's own page: the letter, ask for more detail, rate it, "
    "reapply reminder.",
    "unsubscribe_url": "One-click unsubscribe.",
    **{
        name: LETTER_PLACEHOLDERS[name]
        for name in (
            "candidate_first_name",
            "candidate_name",
            "job_title",
            "team",
            "reapply_date",
            "decider_name",
            "decider_first_name",
            "org_name",
            "hr_email",
        )
    },
}
HTML_REQUIRED = ("letter",)


class PlaceholderError(ValueError):
    """A template that uses an unknown placeholder or has unbalanced braces."""


def _parse(template: str) -> list[tuple[str, str | None]]:
    """[(literal text, placeholder name or None)], or PlaceholderError."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:
        raise PlaceholderError(
            f"The braces do not match ({exc}). Write {{{{ and }}}} for a literal brace."
        ) from exc
    parts = []
    for literal, field, spec, conversion in parsed:
        if field is None:
            parts.append((literal, None))
            continue
        if field == "" or spec or conversion:
            shown = (
                "{" + field + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
            )
            raise PlaceholderError(f"Unknown placeholder {shown}: write a plain name such as {{job_title}}.")
        parts.append((literal, field))
    return parts


def placeholders_in(template: str) -> list[str]:
    return [name for _, name in _parse(template) if name is not None]


def validate_placeholders(template: str, allowed: dict, *, required=()) -> None:
    """Raise PlaceholderError naming every unknown placeholder (and missing required ones)."""
    used = placeholders_in(template)
    unknown = sorted({name for name in used if name not in allowed})
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        word = "placeholder" if len(unknown) == 1 else "placeholders"
        raise PlaceholderError(f"Unknown {word} {names}. Use only the placeholders listed on this page.")
    missing = [name for name in required if name not in used]
    if missing:
        names = ", ".join("{" + name + "}" for name in missing)
        raise PlaceholderError(f"The template must contain {names}.")


def validate_template(*, subject: str, body_text: str, body_html: str) -> None:
    """Raise ValidationError with one message per field that uses a wrong placeholder.

    Besides unknown ``{names}``, merge fields of other tools are refused (``[First Name]``,
    ``{{name}}``, ``%FIRSTNAME%``, ``<<name>>``, ``*|FNAME|*``...): Candor would not fill them
    in, so every letter would show them (``foreign_merge_fields``).
    """
    errors = {}
    for field, value, allowed, required in (
        ("subject", subject, SUBJECT_PLACEHOLDERS, ()),
        ("body_text", body_text, LETTER_PLACEHOLDERS, ()),
        ("body_html", body_html, HTML_PLACEHOLDERS, HTML_REQUIRED),
    ):
        try:
            validate_placeholders(value or "", allowed, required=required)
            validate_no_foreign_merge_fields(value or "")
        except PlaceholderError as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationError(errors)


# -- Merge fields of other tools ------------------------------------------------------------
#
# A letter pasted from a mail-merge document, an ATS or a mailing tool can carry that tool's
# placeholders, which nothing fills in here: the candidate would read "Dear [First Name],".
# They are refused in templates and are a blocking finding of the quality check in letters.

# Words a bracketed placeholder is made of ("[First Name]", "[CANDIDATE_NAME]", "[insert date]").
_FIELD_WORDS = (
    "name|first|last|full|surname|forename|given|candidate|applicant|recipient|contact|job|title|"
    "position|role|vacancy|company|organisation|organization|employer|date|recruiter|hiring|"
    "manager|sender|insert|interviewer|team|department|link|email|phone|signature|salary|"
    "location|address|fname|lname|firstname|lastname|username"
)
_FOREIGN_PATTERNS = (
    # {{name}}, {{ candidate.first_name }}, {{name | default}} (Jinja, Handlebars, Liquid)
    r"\{\{\{?\s*[A-Za-z_][\w.]*(?:\s*\|\s*[\w\s:\"']*)?\s*\}\}\}?",
    # *|FNAME|* (Mailchimp)
    r"\*\|[A-Za-z_][\w:]*\|\*",
    # %FIRSTNAME%, %first_name%, %%NAME%%
    r"%%?[A-Za-z_][A-Za-z0-9_]*%%?",
    # <<First Name>>, <<name>> and Word's «FirstName»
    r"<<\s*[A-Za-z_][\w .]{0,40}?\s*>>",
    r"\u00ab[A-Za-z_]\w{0,40}\u00bb",
    # [[name]]
    r"\[\[\s*[A-Za-z_][\w .]{0,40}?\s*\]\]",
    # [First Name], [CANDIDATE_NAME], [insert name]: words of a placeholder, capitalised or
    # starting with "insert"/"your"; "[sic]" or "[the team]" are left alone.
    r"\[\s*(?:(?:insert|your|enter)\s+[A-Za-z_ ]{0,30}|(?=[^\]]*(?i:(?<![a-z])(?:"
    + _FIELD_WORDS
    + r")(?![a-z])))"
    r"(?:[A-Z][A-Za-z]*|[A-Z_]+)(?:[ _](?:[A-Z][A-Za-z]*|[A-Z_]+|of|the)){0,4})\s*\]",
    # %(name)s, %(first_name)d (Python's printf style, as gettext catalogues write them)
    r"%\([A-Za-z_]\w*\)[sdif]",
    # ${name}, {!Contact.FirstName} (Salesforce)
    r"\$\{[A-Za-z_][\w.]*\}",
    r"\{![A-Za-z_][\w.]*\}",
)
_FOREIGN = re.compile("|".join(f"(?:{p})" for p in _FOREIGN_PATTERNS))
# In a letter (where nothing is filled in any more) also Candor's own {name}.
_SINGLE_BRACES = re.compile(r"(?<!\{)\{\s*[A-Za-z_][\w.]*\s*\}(?!\})")


def foreign_merge_fields(text: str, *, own_placeholders: bool = True) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of merge fields left in ``text``, in order, not overlapping.

    ``own_placeholders=True`` (a letter, where nothing is filled in any more) also finds
    Candor's own ``{name}``; a template passes False, since ``{job_title}`` is its syntax there
    (and unknown names are refused by ``validate_placeholders``).
    """
    spans = [(m.start(), m.end()) for m in _FOREIGN.finditer(text)]
    if own_placeholders:
        spans += [(m.start(), m.end()) for m in _SINGLE_BRACES.finditer(text)]
    spans.sort()
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def validate_no_foreign_merge_fields(template: str) -> None:
    """Raise PlaceholderError naming the first merge field of another tool in a template."""
    found = foreign_merge_fields(template, own_placeholders=False)
    if found:
        start, end = found[0]
        shown = template[start:end]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise PlaceholderError(
            f"{shown}{more} looks like a merge field from another tool. Candor does not fill it in, "
            "so every letter would show it as written. Use the placeholders listed on this page, "
            "such as {candidate_first_name}."
        )


def render(template: str, values: dict) -> str:
    """Fill in the placeholders. Values are used as given: escape them first for HTML."""
    out = []
    for literal, name in _parse(template):
        out.append(literal)
        if name is not None:
            if name not in values:
                raise PlaceholderError(f"Unknown placeholder {{{name}}}.")
            out.append(str(values[name]))
    return "".join(out)


# -- One wording for every email and page a candidate reads -------------------------------

# What a returning candidate is promised about their panel, word for word the same in the
# letter, the candidate page, the reminder, the reapply form and its confirmation (templates
# use ``{% fresh_panel_promise %}`` from feedback/templatetags/candidate_words.py). "Normally",
# because it is what the code does: someone who interviewed the candidate before is kept off
# the panel unless HR overrides the rule with a written reason (hiring.services.interviews).
FRESH_PANEL_PROMISE = gettext_noop(
    "you will normally be interviewed by people who did not interview you before"
)


def greeting_name(candidate) -> str:
    """The name every email to a candidate greets them by (``Candidate.greeting_name``'s rule:
    the preferred name, else the first name, never a title or a surname from "Last, First").

    Takes any object with ``name`` (and optionally ``preferred_name``). One line.
    """
    return greeting_name_from(
        preferred_name=getattr(candidate, "preferred_name", ""), name=getattr(candidate, "name", "")
    )


def greeting(candidate) -> str:
    """The first line of every email to a candidate: "Dear Rosa," (in the active language)."""
    return gettext("Dear %(name)s,") % {"name": greeting_name(candidate)}


# The built-in template (also created by migration 0002 as the default row; migration 0005
# moves an unedited default row to the wording below).
DEFAULT_NAME = "Standard feedback letter"
DEFAULT_SUBJECT = "Feedback on your application for {job_title}"
DEFAULT_TEXT = """Dear {candidate_first_name},

Thank you for interviewing with us for the {job_title} role. We have decided not to offer you the job this time, and we would like to tell you why, as specifically as we can.

{progress}

{decider_name}, who made the decision, noted these points:

{points}

You are welcome to apply again from {reapply_date}. If you reapply, you will normally be interviewed by people who did not interview you before.

If you would like more detail on any of these points, open your feedback page from the link at the end of this email and choose "Ask for more detail". Your question goes to {decider_name}, and the answer comes back to you through our HR team.

Best regards,

{decider_name}
Sent on behalf of {decider_first_name} by the HR team at {org_name} ({hr_email})"""
DEFAULT_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{subject}</title>
</head>
<body style="margin:0; padding:0; background:#f4f4f4;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px; width:100%; background:#ffffff;">
<tr><td style="padding:28px 32px; font-family:Arial, Helvetica, sans-serif; font-size:16px; line-height:1.5; color:#222222;">
{letter}
</td></tr>
<tr><td style="padding:20px 32px; border-top:1px solid #dddddd; font-family:Arial, Helvetica, sans-serif; font-size:15px; line-height:1.5; color:#222222;">
<p style="margin:0 0 12px;"><a href="{candidate_page_url}" style="color:#0b57d0;">Open your feedback page</a> to ask for more detail, tell us how useful this feedback was, or ask us to remind you when you can reapply.</p>
<p style="margin:0; font-size:13px; color:#555555;">{org_name} &middot; {hr_email} &middot; <a href="{unsubscribe_url}" style="color:#555555;">Unsubscribe</a></p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>"""
