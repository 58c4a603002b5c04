"""The quality check of a letter: its findings, and the count stored on the letter.

A letter's findings are those of its subject and body (built-in phrases plus
HR's own, the ``Phrase`` table) and of its decision's points (a missing
observation or suggestion). The count is stored on the letter with the
fingerprint of the rules it was checked with, so the queue and bulk approval
can trust it only while the rules are the same.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from feedback.models import FeedbackLetter
from feedback.quality import rules as quality
from hiring.models import FeedbackPoint

POINT_CATEGORIES = ("no_observation", "no_suggestion")
CATEGORY_LABELS = {
    "boilerplate": "Boilerplate",
    "personal_attribute": "Personal attribute",
    "no_observation": "No observation",
    "no_suggestion": "No suggestion",
}


@dataclass(frozen=True)
class PointFinding:
    point: FeedbackPoint
    finding: quality.Finding


@dataclass
class LetterFindings:
    subject: list = field(default_factory=list)
    body: list = field(default_factory=list)
    points: list = field(default_factory=list)  # PointFinding

    def __len__(self) -> int:
        return len(self.subject) + len(self.body) + len(self.points)

    def __bool__(self) -> bool:
        return len(self) > 0

    def listing(self) -> list[dict]:
        """Every finding with where it is, for pages: subject, letter, or a point of the decision."""
        rows = [{"where": "Subject", "finding": f} for f in self.subject]
        rows += [{"where": "Letter", "finding": f} for f in self.body]
        rows += [{"where": f"Point on {p.point.criterion.name}", "finding": p.finding} for p in self.points]
        for row in rows:
            row["label"] = CATEGORY_LABELS.get(row["finding"].category, row["finding"].category)
        return rows

    def categories(self) -> list[str]:
        found = [f.category for f in self.subject + self.body] + [p.finding.category for p in self.points]
        return sorted(set(found))


class TextChecker:
    """The check used for letters: built-in phrases plus HR's own (the Phrase table).

    Loads HR's phrases once (one query), so that checking many letters costs no
    query per letter. ``fingerprint`` names the rule set: a stored findings count
    is current when it was checked with the same fingerprint.
    """

    def __init__(self):
        self.rules = quality.rules_from_db()
        digest = hashlib.sha256(
            "\n".join(f"{rule.name}\t{rule.category}\t{rule.pattern}" for rule in self.rules).encode()
        ).hexdigest()[:32]
        self.fingerprint = f"{quality.phrases_version()}:{digest}"[:80]

    def __call__(self, text: str) -> list:
        return quality.check_text(text, extra_rules=self.rules)


def text_checker() -> TextChecker:
    return TextChecker()


def text_findings(*, subject: str, body: str, check: Callable[[str], list] | None = None):
    check = check or text_checker()
    return check(subject), check(body)


def point_findings(points: Iterable[FeedbackPoint]) -> list[PointFinding]:
    found = []
    for point in points:
        result = quality.check_point(point.observation, point.suggestion)
        for finding in result.get("observation", []) + result.get("suggestion", []):
            # Wording problems in a point show up in the letter body; here only
            # a missing observation or suggestion counts.
            if finding.category in POINT_CATEGORIES:
                found.append(PointFinding(point=point, finding=finding))
    return found


def letter_findings(
    *, letter: FeedbackLetter, check: Callable[[str], list] | None = None, subject=None, body=None
) -> LetterFindings:
    """Findings in the subject and body (or the given unsaved text), and in the decision's points."""
    subject_found, body_found = text_findings(
        subject=letter.subject if subject is None else subject,
        body=letter.body if body is None else body,
        check=check,
    )
    return LetterFindings(
        subject=subject_found,
        body=body_found,
        points=point_findings(letter.decision.points.all()),
    )


MAX_STORED_FINDINGS = 32767


def store_findings(letter: FeedbackLetter, findings: LetterFindings, check: TextChecker) -> None:
    """Keep the result of the check on the letter (saved by the caller)."""
    letter.findings_count = min(len(findings), MAX_STORED_FINDINGS)
    letter.findings_checked_with = check.fingerprint


def stored_findings_count(letter: FeedbackLetter, check: TextChecker) -> int | None:
    """The stored number of findings if it was checked with the current rules, else None."""
    if letter.findings_count is None or letter.findings_checked_with != check.fingerprint:
        return None
    return letter.findings_count


def letters_findings_counts(*, letters: Iterable[FeedbackLetter], check: TextChecker) -> dict[int, int]:
    """Findings counts of many letters: stored ones where current, the others checked and stored.

    The letters need only ``findings_count`` and ``findings_checked_with`` loaded;
    the stale ones are read again with their text and points in a fixed number of
    queries, and their counts saved with one UPDATE (a cache of the check, not a
    change anyone sees).
    """
    counts: dict[int, int] = {}
    stale: list[int] = []
    for letter in letters:
        count = stored_findings_count(letter, check)
        if count is None:
            stale.append(letter.pk)
        else:
            counts[letter.pk] = count
    if stale:
        fresh = list(
            FeedbackLetter.objects.filter(pk__in=stale)
            .select_related("decision")
            .only("id", "subject", "body", "decision__id", "findings_count", "findings_checked_with")
            .prefetch_related("decision__points")
        )
        for letter in fresh:
            store_findings(letter, letter_findings(letter=letter, check=check), check)
            counts[letter.pk] = letter.findings_count
        FeedbackLetter.objects.bulk_update(fresh, ["findings_count", "findings_checked_with"])
    return counts


def letters_store_findings(*, batch_size: int = 500) -> int:
    """Check every editable letter whose stored findings count is missing or stale; return how many.

    For letters from before the count was stored (or after HR changed the phrase
    list), so that the queue and bulk approval find it ready. Each batch is its own
    transaction.
    """
    check = text_checker()
    stale = FeedbackLetter.objects.filter(status__in=FeedbackLetter.EDITABLE).exclude(
        findings_count__isnull=False, findings_checked_with=check.fingerprint
    )
    done = 0
    last = 0
    while True:
        ids = list(stale.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            # Unsaved stand-ins without a count: each is read with its text and checked.
            done += len(letters_findings_counts(letters=[FeedbackLetter(pk=pk) for pk in ids], check=check))
        last = ids[-1]
