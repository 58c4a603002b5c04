"""The email of a feedback letter: text and HTML parts and every header.

The letter body is plain text (HR edits it). The text part is the body plus a
footer with the candidate's links; the HTML part is the template's HTML with
``{letter}`` replaced by the body laid out as escaped paragraphs and lists.
Every value that reaches the HTML is escaped, and every value that reaches a
header is folded onto one line, so names and feedback cannot inject markup or
headers.
"""

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from core.text import one_line
from feedback import links, placeholders
from feedback.letters.progress import human_date, letter_reapply_on
from feedback.letters.services import decider_name, default_template, letter_language, letter_message_id

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_LIST_ITEM = re.compile(r"^\s*[-*•]\s+")


def _lines_html(lines: list[str]) -> SafeString:
    # Every line is escaped.
    return mark_safe("<br>".join(conditional_escape(line) for line in lines))  # noqa: S308 # nosec B308 B703


def _blocks(text: str) -> list[tuple[str, list]]:
    """[("p", lines) | ("ul", [item lines, ...])] from plain letter text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    blocks: list[tuple[str, list]] = []
    for chunk in _BLANK_LINES.split(text):
        current = None
        for line in chunk.split("\n"):
            if _LIST_ITEM.match(line):
                if current is None or current[0] != "ul":
                    current = ("ul", [])
                    blocks.append(current)
                current[1].append([_LIST_ITEM.sub("", line, count=1).strip()])
            elif current is not None and current[0] == "ul" and line[:1].isspace() and line.strip():
                current[1][-1].append(line.strip())
            elif line.strip():
                if current is None or current[0] != "p":
                    current = ("p", [])
                    blocks.append(current)
                current[1].append(line.strip())
    return blocks


def body_to_html(text: str) -> SafeString:
    """Plain letter text as HTML: blank lines separate paragraphs, "- " lines make lists.

    An indented line after a list item continues that item. Everything is escaped.
    """
    parts = []
    for kind, content in _blocks(text):
        if kind == "p":
            parts.append(format_html("<p>{}</p>", _lines_html(content)))
        else:
            items = format_html_join("", "<li>{}</li>", ((_lines_html(item),) for item in content))
            parts.append(format_html("<ul>{}</ul>", items))
    # Built from escaped parts.
    return mark_safe("\n".join(parts))  # noqa: S308 # nosec B308 B703


def letter_urls(letter, *, preview: bool = False) -> dict:
    """The candidate's links in the letter's email; with ``preview``, inert placeholders
    (``links.preview_urls``) for what staff see before it is sent."""
    if preview:
        urls = links.preview_urls()
        return {"candidate_page_url": urls["candidate_page_url"], "unsubscribe_url": urls["unsubscribe_url"]}
    return {
        "candidate_page_url": links.letter_page_url(letter),
        "unsubscribe_url": links.unsubscribe_url(letter),
    }


def candidate_from_email(*, signer: str = "") -> str:
    """The From of every email to a candidate (letter, reminder, answer, and any new kind).

    One rule: the organisation's sending address (the address of ``DEFAULT_FROM_EMAIL``),
    shown as "<the person who signs it> via <organisation>" when a person signs the email
    (a letter: its decider; an answer: who wrote it), else as the organisation's name
    (``CANDOR_ORG_NAME``; a reminder). Replies go to HR (``Reply-To``), never to the signer.
    ``signer``: a display name, or "" for none. Returns an RFC 5322 address string.
    """
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    org = one_line(settings.CANDOR_ORG_NAME)
    signer = one_line(signer)
    display = f"{signer} via {org}" if signer else org
    # formataddr quotes what needs quoting; Django encodes non-ASCII names.
    return formataddr((display, address))


def _from_address(letter) -> str:
    return candidate_from_email(signer=decider_name(letter.decision))


SIGNATURE_SEPARATOR = "\n\n-- \n"


def letter_text_without_footer(sent_text: str) -> str:
    """The letter as the candidate reads it on their page: the sent text without the links footer."""
    return sent_text.split(SIGNATURE_SEPARATOR, 1)[0].rstrip()


def letter_text(letter, urls: dict | None = None) -> str:
    urls = urls or letter_urls(letter)
    # In the active language: build_letter_message activates the letter's (letter_language).
    page = gettext(
        "Your feedback page (ask for more detail, rate this feedback, "
        "or ask us to remind you when you can reapply):"
    )
    unsubscribe = gettext("Unsubscribe: %(url)s") % {"url": urls["unsubscribe_url"]}
    footer = (
        f"{page}\n"
        f"{urls['candidate_page_url']}\n\n"
        f"{settings.CANDOR_ORG_NAME} · {settings.CANDOR_HR_EMAIL}\n"
        f"{unsubscribe}"
    )
    return f"{letter.body.strip()}{SIGNATURE_SEPARATOR}{footer}\n"


def letter_html(letter, urls: dict | None = None) -> str:
    urls = urls or letter_urls(letter)
    decision = letter.decision
    application = letter.application
    candidate = application.candidate
    name = decider_name(decision)
    values = {
        "subject": one_line(letter.subject),
        "candidate_first_name": placeholders.greeting_name(candidate),
        "candidate_name": one_line(candidate.name),
        "job_title": one_line(application.job.title),
        "team": one_line(application.job.team) or settings.CANDOR_ORG_NAME,
        "reapply_date": human_date(letter_reapply_on(letter)),
        "decider_name": name,
        "decider_first_name": one_line(decision.decided_by.first_name) or name,
        "org_name": settings.CANDOR_ORG_NAME,
        "hr_email": settings.CANDOR_HR_EMAIL,
        **urls,
    }
    escaped = {key: conditional_escape(value) for key, value in values.items()}
    escaped["letter"] = body_to_html(letter.body)
    template = letter.template or default_template()
    html = template.body_html if template else placeholders.DEFAULT_HTML
    try:
        return placeholders.render(html, escaped)
    except placeholders.PlaceholderError:
        return placeholders.render(placeholders.DEFAULT_HTML, escaped)


def build_letter_message(letter, *, preview: bool = False) -> EmailMultiAlternatives:
    """The complete message for a letter: text + HTML parts and all headers, in the letter's
    language (``letters.services.letter_language``: its template's), with ``Content-Language``.

    ``preview=True`` for what staff see (the editor, the HTML preview): the candidate's links
    carry ``links.PREVIEW_TOKEN``, which never opens anything, instead of signed tokens."""
    language = letter_language(letter)
    with translation.override(language):
        return _letter_message(letter, language, preview=preview)


def _letter_message(letter, language: str, *, preview: bool = False) -> EmailMultiAlternatives:
    candidate = letter.application.candidate
    urls = letter_urls(letter, preview=preview)
    msg = EmailMultiAlternatives(
        subject=one_line(letter.subject),
        body=letter_text(letter, urls),
        from_email=_from_address(letter),
        to=[candidate.email],
        reply_to=[settings.CANDOR_HR_EMAIL],
        headers={
            "Message-ID": letter.message_id or letter_message_id(letter),
            "Content-Language": language,
            # RFC 8058 one-click unsubscribe: the mail client POSTs to this URL.
            "List-Unsubscribe": f"<{urls['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    msg.attach_alternative(letter_html(letter, urls), "text/html")
    return msg


# -- the sending engine's hooks for letters (registered in feedback/apps.py) ---


# What HR reads on a letter that was approved but not emailed (feedback.letters.selectors
# lets the candidate open it on their page all the same).
NOT_EMAILED_UNSUBSCRIBED = (
    "Not emailed: the candidate unsubscribed. The letter is on their feedback page, "
    "reachable from the links in our earlier emails."
)


def letter_skip_reason(letter) -> str:
    """Why an approved letter must not be emailed at its send time ("" to send it); the engine
    cancels it with this reason, which HR reads on the letter.

    An erased candidate gets nothing. An unsubscribed candidate is not emailed, as the
    unsubscribe page promises ("about this or any other application"): the letter stays
    approved and is shown on their feedback page (``selectors.letter_closed_to_candidate``).
    """
    candidate = letter.application.candidate
    if candidate.erased:
        return "Not sent: the candidate's personal data was erased."
    if candidate.unsubscribed:
        return NOT_EMAILED_UNSUBSCRIBED
    return ""


def letters_prepare(letters: list) -> None:
    """Letters without a template use the default one: look it up once for the chunk, not per letter.

    The template goes into the relation's cache only (``template_id`` stays
    empty), as if ``select_related`` had found it; ``build_letter_message`` then
    reads it instead of querying ``default_template()`` for every letter.
    """
    from feedback.letters.services import default_template

    without = [letter for letter in letters if letter.template_id is None]
    if not without:
        return
    default = default_template()
    if default is None:
        return
    field = type(without[0])._meta.get_field("template")
    for letter in without:
        field.set_cached_value(letter, default)
