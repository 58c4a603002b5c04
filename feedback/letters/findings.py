"""The quality check of a letter: its findings, and the result stored on the letter.

A letter's findings are those of its subject and body (``feedback.quality.check``: the phrase
lists with HR's own phrases, the sentence classifier, leftover merge fields and broken
greetings, and parts in a language the check does not read) and of its decision's points.

Each point is read by ``Checker.check_points`` with the candidate as addressee: the one function,
with the same arguments, that the decision form's live check uses (``feedback:point_check``), so
HR sees every point with exactly the findings the decider saw (``LetterFindings.by_point``,
``points_blocking`` / ``points_advisory``). Of a point's findings, a missing observation or
suggestion counts towards approval; its wording problems are shown with the point and counted
where the body quotes it (HR may have reworded it there), so nothing is counted twice.

**The stored result can never be stale.** The letter keeps the number of blocking and advisory
findings and the languages not checked (``check_blocking``, ``check_advisory``,
``check_not_checked``), with ``check_key``: a hash of everything the result depends on, which
is the letter's subject and body, its decision's points, the candidate's names (the greeting
and "Rosa's accent"), and the check's fingerprint (the code's version, the phrase lists'
version, HR's active phrases, the classifier's model version and the languages covered).
Whoever reads a stored result (the queue, bulk approval) first computes the key from the
letter's *current* content, read from the database, and uses the stored counts only if the
keys are equal; otherwise the letter is checked again (in batch, the classifier seeing every
sentence at once) and the result stored. So a change by any path (a service, the admin, raw
SQL, a bulk load, a new phrase, a new model) is seen. The editor always checks afresh, with
the same inputs, so the queue's column and the editor always agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import QuerySet

from feedback.letters.languages import default_template, letter_language, template_language
from feedback.models import FeedbackLetter
from feedback.quality import check as quality_check
from feedback.quality import rules as quality
from feedback.quality.check import Addressee
from hiring.models import FeedbackPoint

POINT_CATEGORIES = ("no_observation", "no_suggestion")
CATEGORY_LABELS = {
    "boilerplate": "Boilerplate",
    "personal_attribute": "Personal attribute",
    "no_observation": "No observation",
    "no_suggestion": "No suggestion",
    "merge_field": "Leftover merge field",
    "not_checked": "Not checked",
    "greeting": "Greeting",
}
# Bump when what a letter's key covers changes.
KEY_VERSION = "letter-key-3"  # 2: points checked with Checker.check_points; 3: the letter's language
MAX_STORED = 2_000_000_000


@dataclass(frozen=True)
class PointText:
    """A feedback point as the check reads it."""

    pk: int | None
    criterion: str
    observation: str
    suggestion: str


@dataclass(frozen=True)
class LetterInput:
    """Everything a letter's check reads: the same for the editor, the queue and bulk approval."""

    subject: str
    body: str
    points: tuple[PointText, ...] = ()
    addressee: Addressee = field(default_factory=Addressee)
    pk: int | None = None
    # The language the letter is written in (its template's, e.g. "de" or "en-gb"; "" unknown):
    # the check reads lines too short to identify ("Viele Grüße", a name) in it.
    language: str = ""

    @property
    def check_language(self) -> str | None:
        """The code the quality check takes (``Checker.check_texts(language=...)``): "de" for
        "de" or "de-at", None when unknown."""
        return check_language(self.language)


@dataclass(frozen=True)
class PointFinding:
    """A finding of a decider's point, from the one point check the decision form runs too
    (``Checker.check_points``). ``field``: "observation" or "suggestion"."""

    point: PointText
    finding: quality.Finding
    field: str = ""

    @property
    def counted(self) -> bool:
        """Counted in the letter's check (blocks approval when blocking): a missing observation or
        suggestion. Wording problems in a point are counted where the letter's text quotes it
        (HR may have reworded it there); they are shown with the point all the same."""
        return self.finding.category in POINT_CATEGORIES


def _first_words(text: str, count: int = 6) -> str:
    words = (text or "").split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def point_label(point: PointText, *, shared: bool) -> str:
    """ "Point on System design", with its first words quoted when another point of the letter has
    the same criterion: 'Point on System design (“When asked to design the rate…”)'."""
    label = f"Point on {point.criterion}"
    if shared:
        quoted = _first_words(point.observation) or _first_words(point.suggestion)
        label += f" (\u201c{quoted}\u201d)" if quoted else f" (#{point.pk})"
    return label


@dataclass(frozen=True)
class CheckSummary:
    """What the queue shows of a letter's check; equal to the editor's counts."""

    blocking: int
    advisory: int
    not_checked: str = ""  # "German" / "German, French": languages parts were not checked in

    @property
    def clean(self) -> bool:
        """Nothing blocks approval (advisory findings may remain)."""
        return self.blocking == 0


@dataclass
class LetterFindings:
    subject: list = field(default_factory=list)
    body: list = field(default_factory=list)
    points: list = field(default_factory=list)  # PointFinding
    key: str = ""

    def all(self) -> list[quality.Finding]:
        """The findings counted for approval: subject, body, and the points' counted ones."""
        return self.subject + self.body + [p.finding for p in self.points if p.counted]

    def by_point(self) -> dict:
        """{point pk: {"observation": [Finding], "suggestion": [Finding]}}: each point's findings,
        exactly those the decision form's live check (``feedback:point_check``) shows for it."""
        out: dict = {}
        for p in self.points:
            out.setdefault(p.point.pk, {"observation": [], "suggestion": []})[p.field].append(p.finding)
        return out

    @property
    def points_blocking(self) -> int:
        """Blocking findings in the decider's points: the count the decision form showed."""
        return sum(1 for p in self.points if p.finding.blocking)

    @property
    def points_advisory(self) -> int:
        return sum(1 for p in self.points if not p.finding.blocking)

    @property
    def blocking(self) -> list[quality.Finding]:
        return [f for f in self.all() if f.blocking]

    @property
    def advisory(self) -> list[quality.Finding]:
        return [f for f in self.all() if not f.blocking]

    @property
    def not_checked(self) -> list[str]:
        """Languages parts of the letter were not checked in ("German")."""
        return quality_check.not_checked(self.subject + self.body)

    def summary(self) -> CheckSummary:
        return CheckSummary(
            blocking=min(len(self.blocking), MAX_STORED),
            advisory=min(len(self.advisory), MAX_STORED),
            not_checked=", ".join(self.not_checked)[:120],
        )

    def __len__(self) -> int:
        return len(self.subject) + len(self.body) + len(self.points)

    def __bool__(self) -> bool:
        return len(self) > 0

    def listing(self) -> list[dict]:
        """Every finding with where it is, blocking ones first: subject, letter, or a point."""
        rows = [{"where": "Subject", "finding": f} for f in self.subject]
        rows += [{"where": "Letter", "finding": f} for f in self.body]
        criteria = [point.criterion for point in {p.point: None for p in self.points}]
        rows += [
            {
                "where": point_label(p.point, shared=criteria.count(p.point.criterion) > 1),
                "finding": p.finding,
                "in_point": not p.counted,
            }
            for p in self.points
        ]
        for row in rows:
            row["label"] = CATEGORY_LABELS.get(row["finding"].category, row["finding"].category)
            row["advisory"] = not row["finding"].blocking
        return sorted(rows, key=lambda row: row["advisory"])

    def categories(self) -> list[str]:
        return sorted({f.category for f in self.blocking})


class LetterChecker:
    """The check used for letters, loaded once (HR's phrases: one query; the model: once per
    process). Reuse it for many letters: ``check`` batches the classifier over all of them.

    ``fingerprint`` names the rules, model and languages; ``key(input)`` a letter's content
    under them.
    """

    def __init__(self, checker: quality_check.Checker | None = None):
        self.checker = checker or quality_check.Checker()

    @property
    def rules(self):
        return self.checker.extra_rules

    @property
    def fingerprint(self) -> str:
        return self.checker.fingerprint

    def __call__(self, text: str, *, addressee: Addressee | None = None) -> list:
        """The findings of one text (a letter's subject or body)."""
        return self.checker.check_text(text, addressee=addressee)

    def key(self, letter: LetterInput) -> str:
        """A hash (64 hex digits) of the letter's content and of this checker's fingerprint."""
        digest = hashlib.sha256()
        parts = [KEY_VERSION, self.fingerprint, letter.subject, letter.body, letter.check_language or ""]
        parts += [letter.addressee.name, letter.addressee.preferred_name]
        for point in letter.points:
            parts += [str(point.pk), point.observation, point.suggestion]
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x1e")
        return digest.hexdigest()

    def check(self, letters: Sequence[LetterInput]) -> list[LetterFindings]:
        """The findings of each letter, in order; subjects and bodies go through the check together,
        one batch per language the letters are written in (``LetterInput.language``)."""
        found: dict[int, tuple[list, list]] = {}
        by_language: dict[str | None, list[int]] = {}
        for i, letter in enumerate(letters):
            by_language.setdefault(letter.check_language, []).append(i)
        for language, indexes in by_language.items():
            texts, addressees = [], []
            for i in indexes:
                texts += [letters[i].subject, letters[i].body]
                addressees += [letters[i].addressee, letters[i].addressee]
            results = self.checker.check_texts(texts, addressees=addressees, language=language)
            for n, i in enumerate(indexes):
                found[i] = (results[2 * n], results[2 * n + 1])
        return [
            LetterFindings(
                subject=found[i][0],
                body=found[i][1],
                points=self._point_findings(letter),
                key=self.key(letter),
            )
            for i, letter in enumerate(letters)
        ]

    def _point_findings(self, letter: LetterInput) -> list[PointFinding]:
        """Each point's findings from ``Checker.check_points`` with the candidate as addressee: the
        one function, with the same arguments, that the decision form's live check calls
        (``feedback.quality.views.point_check``), so a point has the same findings in both places.
        Points with neither an observation nor a suggestion are skipped there and here."""
        points = [p for p in letter.points if (p.observation or "").strip() or (p.suggestion or "").strip()]
        if not points:
            return []
        results = self.checker.check_points(
            [(p.observation or "", p.suggestion or "") for p in points],
            addressee=letter.addressee,
            language=letter.check_language,
        )
        found = []
        for point, result in zip(points, results, strict=True):
            for name in ("observation", "suggestion"):
                found += [PointFinding(point=point, finding=f, field=name) for f in result.get(name, [])]
        return found


def check_language(code: str | None) -> str | None:
    """A letter's language code ("de", "de-at", "en-gb") as the quality check names languages
    ("de", "en"); None for none."""
    return (code or "").split("-", 1)[0].lower() or None


def _letter_language(letter: FeedbackLetter) -> str:
    return letter_language(letter)


def text_checker() -> LetterChecker:
    """A letter checker with the current rules (one query for HR's phrases)."""
    return LetterChecker()


def _point_texts(points: Iterable[FeedbackPoint]) -> tuple[PointText, ...]:
    ordered = sorted(points, key=lambda p: (p.position, p.pk or 0))
    return tuple(PointText(p.pk, p.criterion.name, p.observation, p.suggestion) for p in ordered)


def letter_input(
    letter: FeedbackLetter, *, subject: str | None = None, body: str | None = None
) -> LetterInput:
    """What the check reads of a loaded letter (its points and candidate are read if not loaded);
    ``subject`` / ``body``: unsaved text to check instead of the saved one."""
    candidate = letter.application.candidate
    points = letter.decision.points.select_related("criterion") if letter.decision_id else ()
    return LetterInput(
        subject=letter.subject if subject is None else subject,
        body=letter.body if body is None else body,
        points=_point_texts(points),
        addressee=Addressee.of(candidate),
        pk=letter.pk,
        language=_letter_language(letter),
    )


def letter_findings(
    *, letter: FeedbackLetter, check: LetterChecker | None = None, subject=None, body=None
) -> LetterFindings:
    """Findings in the subject and body (or the given unsaved text), and in the decision's points."""
    check = check or text_checker()
    return check.check([letter_input(letter, subject=subject, body=body)])[0]


def store_findings(
    letter: FeedbackLetter, findings: LetterFindings, check: LetterChecker | None = None
) -> None:
    """Keep the result of the check on the letter (saved by the caller), keyed by its content."""
    summary = findings.summary()
    letter.check_key = findings.key
    letter.check_blocking = summary.blocking
    letter.check_advisory = summary.advisory
    letter.check_not_checked = summary.not_checked


STORED_FIELDS = ["check_key", "check_blocking", "check_advisory", "check_not_checked"]


def stored_summary(letter: FeedbackLetter, key: str) -> CheckSummary | None:
    """The stored result if it was computed for exactly this content and rules (``key``), else None."""
    if not letter.check_key or letter.check_key != key or letter.check_blocking is None:
        return None
    return CheckSummary(
        blocking=letter.check_blocking,
        advisory=letter.check_advisory or 0,
        not_checked=letter.check_not_checked,
    )


def points_by_decision(decision_ids: Sequence[int]) -> dict[int, tuple[PointText, ...]]:
    """The points of these decisions as the check reads them, in one query (none for no ids)."""
    points: dict[int, list[PointText]] = {}
    if decision_ids:
        for decision_id, pk, criterion, observation, suggestion in (
            FeedbackPoint.objects.filter(decision_id__in=list(decision_ids))
            .order_by("decision_id", "position", "id")
            .values_list("decision_id", "pk", "criterion__name", "observation", "suggestion")
        ):
            points.setdefault(decision_id, []).append(PointText(pk, criterion, observation, suggestion))
    return {decision_id: tuple(found) for decision_id, found in points.items()}


def letters_inputs(letters: QuerySet[FeedbackLetter]) -> dict[int, LetterInput]:
    """The current content of these letters, read from the database in two queries (the letters
    with their candidates' names, then their points), whatever the objects in memory say."""
    rows = list(
        letters.order_by().values_list(
            "pk",
            "subject",
            "body",
            "decision_id",
            "application__candidate__name",
            "application__candidate__preferred_name",
            "template__language",
        )
    )
    points = points_by_decision([row[3] for row in rows])
    default_language = _default_language() if any(row[6] is None for row in rows) else ""
    return {
        pk: LetterInput(
            subject=subject,
            body=body,
            points=tuple(points.get(decision_id, ())),
            addressee=Addressee(name=name or "", preferred_name=preferred or ""),
            pk=pk,
            language=language or default_language,
        )
        for pk, subject, body, decision_id, name, preferred, language in rows
    }


def _default_language() -> str:
    """The language of a letter without a template: the organisation's default template's."""
    return template_language(default_template())


def with_languages(inputs: dict[int, LetterInput]) -> dict[int, LetterInput]:
    """``inputs`` with the letter's language filled in where it is missing (one query for those
    letters' templates, one more if some have none), so every caller keys and checks a letter
    in its language."""
    missing = [pk for pk, letter in inputs.items() if not letter.language and pk is not None]
    if not missing:
        return inputs
    found = dict(FeedbackLetter.objects.filter(pk__in=missing).values_list("pk", "template__language"))
    default_language = _default_language() if any(found.get(pk) is None for pk in missing) else ""
    out = dict(inputs)
    for pk in missing:
        out[pk] = replace(inputs[pk], language=found.get(pk) or default_language)
    return out


def letters_check_summaries(
    *, letters: Iterable[FeedbackLetter], check: LetterChecker, inputs: dict[int, LetterInput] | None = None
) -> tuple[dict[int, CheckSummary], dict[int, LetterInput]]:
    """The check's summary of each letter, from its *current* content: the stored result where
    its key matches, the others checked now (in one batch) and their results stored with one
    bulk UPDATE (a cache of the check, not a change anyone sees).

    ``letters`` need their stored fields loaded (``STORED_FIELDS``); their current content is
    read again (``letters_inputs``) unless ``inputs`` gives it. Returns ({pk: summary}, the
    inputs used).
    """
    letters = list(letters)
    if inputs is None:
        inputs = letters_inputs(FeedbackLetter.objects.filter(pk__in=[letter.pk for letter in letters]))
    else:
        inputs = with_languages(inputs)
    summaries: dict[int, CheckSummary] = {}
    stale: list[FeedbackLetter] = []
    for letter in letters:
        current = inputs.get(letter.pk)
        if current is None:
            continue
        summary = stored_summary(letter, check.key(current))
        if summary is None:
            stale.append(letter)
        else:
            summaries[letter.pk] = summary
    if stale:
        results = check.check([inputs[letter.pk] for letter in stale])
        for letter, findings in zip(stale, results, strict=True):
            store_findings(letter, findings)
            summaries[letter.pk] = findings.summary()
        FeedbackLetter.objects.bulk_update(stale, STORED_FIELDS, batch_size=500)
    return summaries, inputs


def letters_store_findings(*, batch_size: int = 500) -> int:
    """Check every letter still to approve whose stored result is missing or stale; return how many.

    For letters from before the result was stored, or changed around the services (a bulk
    load, raw SQL), or after HR changed the phrase list or the model changed, so that the
    queue and bulk approval find it ready. Each batch is its own transaction.
    """
    check = text_checker()
    editable = FeedbackLetter.objects.filter(status__in=FeedbackLetter.EDITABLE)
    done = 0
    last = 0
    while True:
        batch = list(editable.filter(pk__gt=last).order_by("pk").only("pk", *STORED_FIELDS)[:batch_size])
        if not batch:
            return done
        with transaction.atomic():
            inputs = letters_inputs(FeedbackLetter.objects.filter(pk__in=[letter.pk for letter in batch]))
            stale = [
                letter for letter in batch if stored_summary(letter, check.key(inputs[letter.pk])) is None
            ]
            if stale:
                letters_check_summaries(letters=stale, check=check, inputs=inputs)
            done += len(stale)
        last = batch[-1].pk
