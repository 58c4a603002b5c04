"""The quality check: phrase lists, sentence classifier and language identifier, in one call.

For a text (a letter's subject or body, a feedback point's observation and suggestion, an
answer to a candidate's question) ``Checker.check_texts`` returns findings
(``feedback.quality.rules.Finding``), each with a category, a span, a message, a suggestion,
its ``source`` (``"phrase"``, ``"classifier"`` or ``"language"``), a ``confidence`` (0..1) and
whether it is ``blocking``:

- **Phrase lists** (``rules.py``, ``phrases.json``): the exact words, with HR's reasons; they
  block approval as they always did (confidence 0.95). Protected-characteristic words are
  flagged only when they describe the candidate (``subjects.py``); when the sentence does not
  say whose they are, the finding is advisory (0.6) unless the classifier also reads the
  sentence as personal, which makes it blocking with the classifier's confidence.
- **The sentence classifier** (``classifier.py``): each sentence, batched across all the texts
  of a call. A flagged sentence is highlighted whole and says why. It blocks when the model's
  probability that the sentence is not fine reaches the language's blocking threshold
  (``classifier.thresholds(language)["block"]``), and is shown as advisory from the advisory
  threshold up. A sentence that already has a phrase finding of the same category gets no
  second finding: the phrase says it more precisely.
- **Merge fields and greetings**: a placeholder of another tool left in the text
  (``placeholders.foreign_merge_fields``: ``{{name}}``, ``[First Name]``, ``%FIRSTNAME%``...),
  Candor's own ``{name}``, "Dear ,", "Dear Dr.,", "Dear Smith,," or the surname of a "Last,
  First" name: blocking. A greeting by first name when the candidate gave a preferred name:
  advisory.
- **Languages** (``languages.py``): each paragraph's language is identified. A paragraph in a
  language the check has no phrase lists for is not checked, and says so: "Not checked:
  written in German" (advisory, so it blocks nothing, but it is listed wherever findings are).

The check takes its languages as a dict of ``LanguagePack`` by language code
(``default_packs()``: English, with the built-in lists and the English model). A new language
is a new pack: its phrase lists and, when there is one, its classifier.

``Checker.fingerprint`` names everything the result depends on besides the text: this code's
version, the phrase lists' version, HR's active phrases, the classifier's model version, the
languages covered and the language identifier's version. A letter's stored result is keyed
by it (``feedback.letters.findings``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from feedback import placeholders
from feedback.quality import classifier, languages, rules
from feedback.quality.rules import (
    BOILERPLATE,
    MERGE_FIELD,
    NO_OBSERVATION,
    NO_SUGGESTION,
    NOT_CHECKED,
    PERSONAL_ATTRIBUTE,
    SOURCE_CLASSIFIER,
    SOURCE_LANGUAGE,
    SOURCE_PHRASE,
    Finding,
)

log = logging.getLogger(__name__)

# Bump when this module's decisions change (what blocks, what is merged): stored results
# keyed with the old version are checked again.
CHECK_VERSION = "check-2"
DEFAULT_LANGUAGE = "en"

CLASSIFIER_TEXT = {
    classifier.BOILERPLATE: (
        BOILERPLATE,
        "This sentence reads like boilerplate: it does not say what the candidate said or did.",
        "Replace it with what the candidate said or did against a criterion of the role, and what "
        "would have been stronger.",
    ),
    classifier.PERSONAL: (
        PERSONAL_ATTRIBUTE,
        "This sentence seems to be about the candidate's personal attributes (e.g. age, family, "
        "health), not the job. That is not feedback they can act on, and it can be read as "
        "discrimination (a legal risk).",
        "Leave it out. Describe what the candidate said or did, tied to a criterion of the role.",
    ),
}
_LABEL_CATEGORY = {classifier.BOILERPLATE: BOILERPLATE, classifier.PERSONAL: PERSONAL_ATTRIBUTE}
# Sentences of fewer words are not given to the classifier: a name under a sign-off ("Alice"),
# "Kind regards," or a heading say nothing it could judge (short remarks such as "Culture fit."
# or "Too old." are the phrase lists' to catch).
MIN_CLASSIFIED_WORDS = 3


@dataclass(frozen=True)
class Addressee:
    """The candidate a text is about: their names make "Rosa's accent" and greetings checkable."""

    name: str = ""
    preferred_name: str = ""

    @classmethod
    def of(cls, candidate) -> Addressee:
        """From any object with ``name`` (and optionally ``preferred_name``), e.g. a Candidate."""
        if candidate is None:
            return cls()
        return cls(
            name=getattr(candidate, "name", "") or "",
            preferred_name=getattr(candidate, "preferred_name", "") or "",
        )

    @property
    def greeting_name(self) -> str:
        return placeholders.greeting_name(self) if (self.name or self.preferred_name) else ""

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """The words of their names, lower case (no titles, no initials)."""
        words = re.findall(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*", f"{self.name} {self.preferred_name}".lower())
        return tuple(sorted({w for w in words if len(w) > 1 and w.rstrip(".") not in _TITLES}))

    @property
    def surname_first(self) -> str:
        """The surname when the name is written "Last, First" (a spreadsheet's order), else ""."""
        if "," not in self.name:
            return ""
        return " ".join(self.name.split(",", 1)[0].split())


_TITLES = frozenset("mr mrs ms miss mx dr prof professor sir dame madam madame".split())


@dataclass(frozen=True)
class LanguagePack:
    """What the check has for one language.

    ``phrases(text, *, extra_rules, names, point)``: the phrase findings (``rules.phrase_findings``
    for English). ``classify(sentences)``: the classifier's predictions, or None when the
    language has no model (then only the phrase lists check it, and a note says so).
    ``thresholds``: ``{"advisory": p, "block": p}`` of the model. ``version``: changes whenever
    the lists or the model change.
    """

    code: str
    phrases: Callable[..., list[Finding]]
    classify: Callable[[list[str]], list] | None = None
    thresholds: dict = field(default_factory=dict)
    version: str = ""
    unavailable: str = ""  # why the classifier cannot run, if it cannot


def english_pack() -> LanguagePack:
    """English: the built-in phrase lists and the English sentence model (if it loads)."""
    code = rules.phrases_language()
    try:
        classifier.load(code)
        thresholds = classifier.thresholds(code)
        model = classifier.model_version(code)
        classify = functools.partial(classifier.classify, language=code)
        unavailable = ""
    except classifier.ClassifierUnavailable as exc:
        log.error("The quality check runs without its sentence classifier: %s", exc)
        thresholds, model, classify, unavailable = {}, "none", None, str(exc)
    return LanguagePack(
        code=code,
        phrases=rules.phrase_findings,
        classify=classify,
        thresholds=thresholds,
        version=f"phrases-{rules.phrases_version()}+{model}",
        unavailable=unavailable,
    )


@functools.cache
def default_packs() -> dict[str, LanguagePack]:
    """The languages the check covers, by code (cached per process: the model loads once)."""
    pack = english_pack()
    return {pack.code: pack}


def language_name(code: str | None) -> str:
    return languages.language_name(code)


def covered_language_names(packs: dict[str, LanguagePack] | None = None) -> str:
    names = [language_name(code) for code in sorted(packs or default_packs())]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- Merge fields and greetings -------------------------------------------------------------------

_GREETING = r"(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))"
_EMPTY_GREETING = re.compile(rf"(?im)(?<![\w])(?:dear[ \t]*,|{_GREETING}[ \t]+,)")
_TITLE_ONLY = re.compile(
    r"(?im)(?<![\w])dear[ \t]+(?:mr|mrs|ms|miss|mx|dr|prof|professor|sir|madam|madame)\.?[ \t]*,"
)
_DOUBLE_COMMA = re.compile(rf"(?im)(?<![\w]){_GREETING}[ \t]+[^\n,]{{1,60}},[ \t]*,")
_GREETED = re.compile(rf"(?im)^[ \t]*{_GREETING}[ \t]+([^\n,!]{{1,60}}?)[ \t]*[,!]")

_MERGE_MARKS = ("{", "[", "%", "<<", "\u00ab", "*|", "$")
_GREETING_WORDS = ("dear", "hi", "hello", "hey", "good ")
MERGE_MESSAGE = "A merge field was left in: nothing fills it in, so the candidate would read it as written."
EMPTY_GREETING_MESSAGE = "The greeting has no name in it: a merge field was left empty."
TITLE_GREETING_MESSAGE = "The greeting has a title but no name: a merge field was left empty."
SURNAME_GREETING_MESSAGE = (
    "The greeting uses the surname from a name written “Last, First”, so it reads like a form letter."
)
PREFERRED_GREETING_MESSAGE = "The candidate gave a preferred name; the greeting does not use it."


def _greeting_suggestion(addressee: Addressee | None) -> str:
    name = addressee.greeting_name if addressee else ""
    return f"Greet the candidate as “Dear {name},”." if name else "Greet the candidate by their name."


def merge_field_findings(text: str, addressee: Addressee | None = None) -> list[Finding]:
    """Leftover merge fields and broken greetings in ``text``: blocking, except a greeting that
    misses the candidate's preferred name (advisory)."""
    if not text:
        return []
    found: list[Finding] = []

    def add(start, end, message, suggestion, *, blocking=True):
        found.append(
            Finding(
                MERGE_FIELD,
                start,
                end,
                text[start:end],
                message,
                suggestion,
                source=SOURCE_PHRASE,
                confidence=1.0 if blocking else 0.7,
                blocking=blocking,
                language="",
            )
        )

    hint = _greeting_suggestion(addressee)
    # Cheap tests first: most texts have none of the characters a merge field needs.
    if any(mark in text for mark in _MERGE_MARKS):
        for start, end in placeholders.foreign_merge_fields(text):
            add(start, end, MERGE_MESSAGE, "Replace it with the words it stands for. " + hint)
    lowered = text.lower()
    if not any(word in lowered for word in _GREETING_WORDS):
        return _dedupe(found)
    for pattern, message in (
        (_EMPTY_GREETING, EMPTY_GREETING_MESSAGE),
        (_TITLE_ONLY, TITLE_GREETING_MESSAGE),
        (_DOUBLE_COMMA, EMPTY_GREETING_MESSAGE),
    ):
        for match in pattern.finditer(text):
            add(match.start(), match.end(), message, hint)
    if addressee is not None:
        wanted = addressee.greeting_name
        surname = addressee.surname_first
        first = (addressee.name.split() or [""])[0].strip(",")
        for match in _GREETED.finditer(text):
            greeted = match.group(1).strip()
            start, end = match.span(1)
            if surname and greeted.lower() == surname.lower() and wanted.lower() != surname.lower():
                add(start, end, SURNAME_GREETING_MESSAGE, hint)
            elif (
                addressee.preferred_name.strip()
                and wanted
                and greeted.lower() != wanted.lower()
                and first
                and greeted.lower() == first.lower()
            ):
                add(start, end, PREFERRED_GREETING_MESSAGE, hint, blocking=False)
    return _dedupe(found)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        key = (f.category, f.start, f.end)
        if key not in seen and not any(
            o.category == f.category and o.start <= f.start and f.end <= o.end for o in out
        ):
            seen.add(key)
            out.append(f)
    return out


# --- The check --------------------------------------------------------------------------------------


@dataclass
class _Work:
    """One text being checked."""

    text: str
    addressee: Addressee | None
    point: bool
    segments: list  # languages.Segment with code filled in
    phrase: list[Finding] = field(default_factory=list)
    other: list[Finding] = field(default_factory=list)  # merge fields, not-checked notes
    sentences: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, language)
    predictions: dict = field(default_factory=dict)  # (start, end) -> Prediction


class Checker:
    """One configuration of the check, loaded once: reuse it for many texts (bulk approval).

    ``extra_rules``: HR's phrases (``rules.rules_from_db()``, one query); None loads them,
    ``()`` checks with the built-in lists only (pure, no database). ``packs``: the languages
    (default ``default_packs()``).
    """

    def __init__(self, *, extra_rules=None, packs: dict[str, LanguagePack] | None = None):
        self.extra_rules = tuple(rules.rules_from_db() if extra_rules is None else extra_rules)
        self.packs = default_packs() if packs is None else packs
        self.default_language = (
            DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in self.packs else next(iter(self.packs), "")
        )

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the result depends on besides the text, hashed (64 hex digits)."""
        digest = hashlib.sha256()
        parts = [CHECK_VERSION, languages.VERSION]
        parts += [f"{code}:{pack.version}:{pack.thresholds}" for code, pack in sorted(self.packs.items())]
        parts += [
            f"{r.name}\t{r.category}\t{r.pattern}\t{r.message}\t{r.suggestion}\t{r.scope}"
            for r in self.extra_rules
        ]
        for part in parts:
            digest.update(part.encode())
            digest.update(b"\x1e")
        return digest.hexdigest()

    # Public ------------------------------------------------------------------------------------

    def check_text(
        self, text: str, *, addressee: Addressee | None = None, point: bool = False
    ) -> list[Finding]:
        """The findings of one text, sorted by start (see the module docstring)."""
        return self.check_texts([text], addressees=[addressee], point=point)[0]

    def check_texts(
        self,
        texts: Sequence[str],
        *,
        addressees: Sequence[Addressee | None] | None = None,
        point: bool = False,
    ) -> list[list[Finding]]:
        """The findings of each text, in order; the classifier sees all their sentences at once.

        ``addressees``: one per text (or None). ``point=True``: the texts are the observation or
        suggestion of feedback points, which adds the point-only phrase rules (a reason that
        only restates the decision).
        """
        texts = [t or "" for t in texts]
        addressees = list(addressees) if addressees is not None else [None] * len(texts)
        work = [
            self._prepare(text, addressee, point) for text, addressee in zip(texts, addressees, strict=True)
        ]
        self._classify(work)
        return [self._finish(w) for w in work]

    def check_point(
        self, observation: str, suggestion: str, *, addressee: Addressee | None = None
    ) -> dict[str, list[Finding]]:
        return self.check_points([(observation, suggestion)], addressee=addressee)[0]

    def check_points(
        self, points: Sequence[tuple[str, str]], *, addressee: Addressee | None = None
    ) -> list[dict[str, list[Finding]]]:
        """For each (observation, suggestion): ``{"observation": [...], "suggestion": [...]}``.

        Everything ``check_texts`` finds, plus ``no_observation`` / ``no_suggestion`` (start =
        end = 0, blocking) when a field says nothing concrete once flagged words are set aside
        (``rules.observation_is_concrete``, ``rules.suggestion_is_concrete``).
        """
        flat = [text for pair in points for text in pair]
        found = self.check_texts(flat, addressees=[addressee] * len(flat), point=True)
        out = []
        for i, (observation, suggestion) in enumerate(points):
            obs, sug = found[2 * i], found[2 * i + 1]
            if not rules.observation_is_concrete(observation or "", obs):
                obs.insert(0, _heuristic(NO_OBSERVATION))
            if not rules.suggestion_is_concrete(suggestion or "", sug):
                sug.insert(0, _heuristic(NO_SUGGESTION))
            out.append({"observation": obs, "suggestion": sug})
        return out

    # Steps -------------------------------------------------------------------------------------

    def _language_of(self, code: str | None) -> str:
        return code or self.default_language

    def _prepare(self, text: str, addressee: Addressee | None, point: bool) -> _Work:
        segments = [
            languages.Segment(s.start, s.end, self._language_of(s.code), s.confidence)
            for s in languages.segments(text)
        ]
        work = _Work(text=text, addressee=addressee, point=point, segments=segments)
        if not text.strip():
            return work
        names = addressee.names if addressee else ()
        present = {s.code for s in segments}
        for code in sorted(present):
            pack = self.packs.get(code)
            if pack is None:
                continue
            mine = [s for s in segments if s.code == code]
            for f in pack.phrases(text, extra_rules=self.extra_rules, names=names, point=point):
                if any(s.start <= f.start and f.end <= s.end for s in mine):
                    work.phrase.append(_with(f, language=code))
            if pack.classify is None:
                work.other.append(_classifier_missing(pack))
        for segment in segments:
            if segment.code not in self.packs:
                work.other.append(_not_checked(text, segment, self.packs))
        work.other += merge_field_findings(text, addressee)
        for start, end in classifier.split_sentences(text):
            if len(text[start:end].split(None, MIN_CLASSIFIED_WORDS)) < MIN_CLASSIFIED_WORDS:
                continue
            segment = next((s for s in segments if s.start <= start < s.end), None)
            code = segment.code if segment else self.default_language
            pack = self.packs.get(code)
            if pack is not None and pack.classify is not None:
                work.sentences.append((start, end, code))
        return work

    def _classify(self, work: list[_Work]) -> None:
        by_language: dict[str, list[tuple[_Work, int, int]]] = {}
        for w in work:
            for start, end, code in w.sentences:
                by_language.setdefault(code, []).append((w, start, end))
        for code, items in by_language.items():
            predictions = self.packs[code].classify([w.text[a:b] for w, a, b in items])
            for (w, a, b), prediction in zip(items, predictions, strict=True):
                w.predictions[(a, b)] = prediction

    def _finish(self, w: _Work) -> list[Finding]:
        findings = list(w.phrase)
        for start, end, code in w.sentences:
            prediction = w.predictions.get((start, end))
            if prediction is None or not prediction.flagged:
                continue
            category = _LABEL_CATEGORY[prediction.label]
            probability = float(prediction.flag_probability)
            blocking = prediction.level == classifier.BLOCK
            inside = [f for f in findings if f.source == SOURCE_PHRASE and start <= f.start and f.end <= end]
            same = [f for f in inside if f.category == category]
            if same:
                # The phrase says it more precisely; an advisory one the classifier confirms blocks.
                for f in same:
                    if not f.blocking and blocking:
                        findings[findings.index(f)] = _with(
                            f, blocking=True, confidence=max(f.confidence, probability)
                        )
                continue
            findings.append(
                _classifier_finding(w.text, start, end, prediction, category, probability, blocking, code)
            )
        findings += w.other
        return sorted(findings, key=lambda f: (f.start, -f.end, rules.CATEGORIES.index(f.category)))


def _with(finding: Finding, **changes) -> Finding:
    values = {**finding.__dict__, **changes}
    return Finding(**values)


def _classifier_finding(text, start, end, prediction, category, probability, blocking, code) -> Finding:
    _, message, suggestion = CLASSIFIER_TEXT[prediction.label]
    return Finding(
        category,
        start,
        end,
        text[start:end],
        message,
        suggestion,
        source=SOURCE_CLASSIFIER,
        confidence=round(probability, 3),
        blocking=blocking,
        language=code,
    )


def _heuristic(category: str) -> Finding:
    if category == NO_OBSERVATION:
        return Finding(
            NO_OBSERVATION, 0, 0, "", rules.NO_OBSERVATION_MESSAGE, rules.NO_OBSERVATION_SUGGESTION
        )
    return Finding(NO_SUGGESTION, 0, 0, "", rules.NO_SUGGESTION_MESSAGE, rules.NO_SUGGESTION_SUGGESTION)


def not_checked_message(code: str | None) -> str:
    return f"Not checked: written in {language_name(code)}"


def _not_checked(text: str, segment, packs) -> Finding:
    covered = covered_language_names(packs)
    reader = (
        "someone who reads it"
        if segment.code == "und"
        else f"someone who reads {language_name(segment.code)}"
    )
    return Finding(
        NOT_CHECKED,
        segment.start,
        segment.end,
        text[segment.start : segment.end],
        not_checked_message(segment.code) + ". The quality check did not read this part.",
        f"The check reads {covered} only: have {reader} check it, or write it in {covered}.",
        source=SOURCE_LANGUAGE,
        confidence=round(float(segment.confidence), 3),
        blocking=False,
        language=segment.code,
    )


def _classifier_missing(pack: LanguagePack) -> Finding:
    return Finding(
        NOT_CHECKED,
        0,
        0,
        "",
        f"Checked with the phrase lists only: the sentence classifier for {language_name(pack.code)} "
        f"is unavailable ({pack.unavailable or 'no model'}).",
        "Ask an administrator to restore feedback/quality/model/; until then read the text with care.",
        source=SOURCE_LANGUAGE,
        confidence=1.0,
        blocking=False,
        language=pack.code,
    )


# --- Module-level shortcuts -------------------------------------------------------------------------


def check_text(text: str, *, extra_rules=(), addressee: Addressee | None = None) -> list[Finding]:
    """The whole check of one text with the built-in lists (and ``extra_rules``): no database."""
    return Checker(extra_rules=extra_rules).check_text(text, addressee=addressee)


def check_point(
    observation: str, suggestion: str, *, extra_rules=(), addressee: Addressee | None = None
) -> dict[str, list[Finding]]:
    """The whole check of one feedback point with the built-in lists: no database."""
    return Checker(extra_rules=extra_rules).check_point(observation, suggestion, addressee=addressee)


def checker() -> Checker:
    """A checker with HR's phrases from the database (one query): use it for a request's texts."""
    return Checker()


def blocking(findings) -> list[Finding]:
    return [f for f in findings if f.blocking]


def advisory(findings) -> list[Finding]:
    return [f for f in findings if not f.blocking]


def not_checked(findings) -> list[str]:
    """The names of the languages some part of the text was not checked in ("German")."""
    names = [
        language_name(f.language)
        for f in findings
        if f.category == NOT_CHECKED and f.source == SOURCE_LANGUAGE and f.end > f.start
    ]
    return list(dict.fromkeys(names))


def panel(text: str, findings: Sequence[Finding], *, checked: bool = True) -> dict:
    """What ``templates/feedback/_findings.html`` shows of one text's check.

    ``{"findings": blocking first, then advisory, "blocking": [...], "advisory": [...],
    "not_checked": ["German"], "highlighted": the text with marks (or None), "checked": bool}``.
    """
    ordered = sorted(findings, key=lambda f: (not f.blocking, f.start))
    return {
        "findings": ordered,
        "blocking": [f for f in ordered if f.blocking],
        "advisory": [f for f in ordered if not f.blocking],
        "not_checked": not_checked(findings),
        "highlighted": rules.highlight(text, findings) if findings else None,
        "checked": checked,
    }
