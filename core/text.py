"""Plain-text helpers shared by every app."""


def one_line(text: str | None) -> str:
    """``text`` on one line, for email headers, subjects and one-line fields.

    Every run of whitespace (spaces, tabs, CR/LF and the Unicode line and
    paragraph separators that ``str.split`` knows) becomes one space, and the
    ends are trimmed, so a name or a job title can neither inject a header nor
    break a line. ``None`` gives ``""``; anything else is passed through ``str``.
    """
    if text is None:
        return ""
    return " ".join(str(text).split())
