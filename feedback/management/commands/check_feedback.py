"""``manage.py check_feedback [FILE|-] [--format text|json]``: lint feedback text from a script.

The same check as the app's (``feedback.quality.check``): phrase lists (with the admin's
phrases when the database has them), the sentence classifier, leftover merge fields, and
parts in a language the check does not read ("Not checked: written in German").

Exit status: 0 when the text is clean, 1 when anything is found (advisory findings and
"not checked" notes included), 2 when the file cannot be read.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from feedback.quality.check import Checker
from feedback.quality.rules import rules_from_db


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class Command(BaseCommand):
    help = (
        "Check feedback text for boilerplate and personal attributes. Reads FILE, or standard input "
        "when FILE is '-' or missing. Exits 1 when anything is found, 0 when clean, 2 when the file "
        "cannot be read."
    )
    requires_system_checks = []  # a lint for scripts: fast, and useful before migrations ran
    stealth_options = ("stdin",)  # call_command(..., stdin=io.StringIO(...)) in tests

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="a UTF-8 text file, or - for stdin")
        parser.add_argument("--format", choices=("text", "json"), default="text", dest="output_format")

    def handle(self, *args, file, output_format, **options):
        text = self._read(file, options.get("stdin") or sys.stdin)
        findings = Checker(extra_rules=self._admin_rules()).check_text(text)
        rows = []
        for f in findings:
            line, column = _line_col(text, f.start)
            rows.append(
                {
                    "category": f.category,
                    "start": f.start,
                    "end": f.end,
                    "line": line,
                    "column": column,
                    "text": f.text,
                    "message": f.message,
                    "suggestion": f.suggestion,
                    # Added in issue 11; the keys above are unchanged.
                    "confidence": round(f.confidence, 3),
                    "blocking": f.blocking,
                    "source": f.source,
                    "language": f.language,
                }
            )
        if output_format == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                quoted = json.dumps(
                    row["text"], ensure_ascii=False
                )  # a span with a newline stays on one line
                suffix = f" ({row['suggestion']})" if row["suggestion"] else ""
                category = row["category"] + ("" if row["blocking"] else " (advisory)")
                self.stdout.write(
                    f"{row['line']}:{row['column']} {category} {quoted}: {row['message']}{suffix}"
                )
        self.found = bool(findings)

    def run_from_argv(self, argv):
        # Findings are not an error: report them on stdout, then exit 1 (CommandError gives 2).
        self.found = False
        super().run_from_argv(argv)
        if self.found:
            sys.exit(1)

    def _read(self, file: str, stdin) -> str:
        try:
            if file == "-":
                return stdin.read()
            with open(file, encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}", returncode=2) from exc

    def _admin_rules(self):
        """The admin's phrases, if there is a database with the table; the built-ins alone otherwise."""
        try:
            return rules_from_db()
        except DatabaseError:
            return []
