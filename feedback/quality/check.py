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
- **Languages** (``languages.py``): each sentence's language is identified (its paragraph's
  when it is too short to tell: ``languages.sentence_segments``), so an English remark inside a
  German paragraph gets the English lists and classifier. Text in a language the check has no
  phrase lists for is not checked, and says so: "Not checked: written in Italian" (advisory,
  so it blocks nothing, but it is listed wherever findings are). A few words that say nothing
  of their language ("Pregnant?") are read by the English lists too.
- **Short remarks**: a protected-characteristic word in a remark of one or two words ("Pregnant?"
  as a subject) names nobody else, so it is about the candidate: blocking (0.9).
- **Greetings**: a greeting naming someone else ("Dear Maria," to Wen Costa) blocks, category
  ``greeting``; so does the preferred-name note's category (advisory).

The check takes its languages as a dict of ``LanguagePack`` by language code
(``default_packs()``, from the registry ``PACKS``: English with its lists and the English model;
German, French and Spanish with their lists only, as no sentence model covers them). A new
language is a new pack: its phrase lists and, when there is one, its classifier
(``register_pack``).

``check_texts`` keeps a memo for the one call: each distinct sentence piece, paragraph, block
and sentence is read once per batch, with exactly the findings of checking each text alone
(``Checker(memo=False)``; ``feedback/tests/test_quality_speed.py``).

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
    GREETING,
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
CHECK_VERSION = "check-3"  # 3: languages by sentence; greetings naming someone else
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
    return language_pack(rules.phrases_language())


# Why a language has no sentence model: the classifier's features are WordLlama's static token
# embedding (l2_supercat), trained on English text, and its head is trained on the English
# corpus; no model covers German, French or Spanish (devtools/quality/README.md).
NO_MODEL_REASON = (
    "the sentence model (WordLlama's English embedding with a head trained on English sentences) "
    "does not cover {language}; its phrase lists checked it"
)


def language_pack(code: str) -> LanguagePack:
    """One language's pack: its built-in phrase lists (``phrases.json`` for English,
    ``phrases_<code>.json`` else) and its sentence model when ``model/MANIFEST.json`` has one.

    Without a model the pack is rules-only: ``classify`` is None and ``unavailable`` says why
    (for English that is an error, logged; for the others it is how they ship).
    """
    phrases = (
        rules.phrase_findings if code == "en" else functools.partial(rules.phrase_findings, language=code)
    )
    try:
        classifier.load(code)
        thresholds = classifier.thresholds(code)
        model = classifier.model_version(code)
        classify = functools.partial(classifier.classify, language=code)
        unavailable = ""
    except classifier.LanguageNotAvailable:
        thresholds, model, classify = {}, "rules-only", None
        unavailable = NO_MODEL_REASON.format(language=language_name(code))
    except classifier.ClassifierUnavailable as exc:
        log.error("The quality check runs without its sentence classifier for %s: %s", code, exc)
        thresholds, model, classify, unavailable = {}, "none", None, str(exc)
    return LanguagePack(
        code=code,
        phrases=phrases,
        classify=classify,
        thresholds=thresholds,
        version=f"phrases-{rules.phrases_version(code)}+{model}",
        unavailable=unavailable,
    )


# The registry of languages the check covers: code -> a function that builds its pack. A new
# language is a phrase file (``phrases_<code>.json``) and, when one is trained, a section of the
# model manifest; register it here (or from an AppConfig.ready()) with ``register_pack``.
PACKS: dict[str, Callable[[], LanguagePack]] = {
    code: functools.partial(language_pack, code) for code in ("en", "de", "fr", "es")
}


def register_pack(code: str, factory: Callable[[], LanguagePack]) -> None:
    """Add or replace a language's pack factory; ``default_packs()`` is rebuilt on next use."""
    PACKS[code] = factory
    default_packs.cache_clear()


@functools.cache
def default_packs() -> dict[str, LanguagePack]:
    """The languages the check covers, by code (cached per process: each model loads once)."""
    return {code: PACKS[code]() for code in sorted(PACKS)}


def language_name(code: str | None) -> str:
    return languages.language_name(code)


def covered_language_names(packs: dict[str, LanguagePack] | None = None) -> str:
    names = [language_name(code) for code in sorted(packs or default_packs())]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- Merge fields and greetings -------------------------------------------------------------------

_GREETING = r"(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))"
_TITLE_WORDS = r"(?:mr|mrs|ms|miss|mx|dr|prof|professor|sir|madam|madame)"
_EMPTY_GREETING = re.compile(rf"(?im)(?<![\w])(?:dear[ \t]*,|{_GREETING}[ \t]+,)")
# Any greeting word, then a title and nothing else before the comma ("Hello Dr. ,").
_TITLE_ONLY = re.compile(rf"(?im)(?<![\w]){_GREETING}[ \t]+{_TITLE_WORDS}\.?[ \t]*,")
_TITLE_END = re.compile(rf"(?<![\w]){_TITLE_WORDS}\.?$")
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
SOMEONE_ELSE_GREETING_MESSAGE = (
    "The greeting names someone else: {name}. It looks copied from another candidate's letter."
)
# Greetings to no one in particular: not a name, so not "someone else" (a form letter's
# "Dear Applicant," is the phrase lists' and HR's to judge).
_NOT_NAMES = frozenset(
    "all everyone everybody team there friend friends colleague colleagues candidate applicant "
    "sir madam madame or and to whom it may concern hiring manager".split()
)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_NAME_ONLY = re.compile(r"[^\W\d_]+(?:['\u2019.\- \t]+[^\W\d_]+)*\.?")


def _someone_else(greeted: str, addressee: Addressee) -> bool:
    """Whether the name in a greeting ("Maria" of "Dear Maria,") is not the candidate's.

    The greeting's words, past any title ("Ms", "Dr."), must each be a word of the
    candidate's name or preferred name ("Wen", "Wen Costa", "Ms Costa"). Only words written
    with a capital count as a name: "Hello and thank you," greets no one; words such as
    "team", "all", "Applicant" greet no one in particular.
    """
    if not addressee.names or not _NAME_ONLY.fullmatch(greeted):
        return False  # a merge field ("[First Name]") or not a name: other checks' business
    words = _NAME_WORD.findall(greeted)
    if not words or any(not w[0].isupper() for w in words):
        return False
    lowered = [w.lower() for w in words]
    if any(w in _NOT_NAMES for w in lowered):
        return False
    others = [w for w in lowered if len(w) > 1 and w not in _TITLES]
    return bool(others) and any(w not in addressee.names for w in others)


def _greeting_suggestion(addressee: Addressee | None) -> str:
    name = addressee.greeting_name if addressee else ""
    return f"Greet the candidate as “Dear {name},”." if name else "Greet the candidate by their name."


def merge_field_findings(text: str, addressee: Addressee | None = None) -> list[Finding]:
    """Leftover merge fields and broken greetings in ``text``: blocking, except a greeting that
    misses the candidate's preferred name (advisory)."""
    if not text:
        return []
    found: list[Finding] = []

    def add(start, end, message, suggestion, *, blocking=True, category=MERGE_FIELD):
        found.append(
            Finding(
                category,
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
    lines = _greeting_lines(text, lowered)
    for pattern, message in (
        (_EMPTY_GREETING, EMPTY_GREETING_MESSAGE),
        (_TITLE_ONLY, TITLE_GREETING_MESSAGE),
        (_DOUBLE_COMMA, EMPTY_GREETING_MESSAGE),
    ):
        for line_start, line_end in lines:
            for match in pattern.finditer(text, line_start, line_end):
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
                add(start, end, PREFERRED_GREETING_MESSAGE, hint, blocking=False, category=GREETING)
            elif _someone_else(greeted, addressee):
                message = SOMEONE_ELSE_GREETING_MESSAGE.format(name=greeted)
                add(start, end, message, hint, category=GREETING)
    return _dedupe(found)


_GREETING_ENDS = ("dear", "hi", "hello", "hey", "good morning", "good afternoon", "good evening")


def _greeting_lines(text: str, lowered: str) -> list[tuple[int, int]]:
    """The lines of ``text`` where an empty greeting, a title alone or a doubled comma may be.

    Each of those patterns stays on one line and ends at a comma preceded (past spaces and
    tabs) by a greeting word, by "dear ... title", or by another comma; lines without such a
    comma cannot match, so the patterns run on the others only (the same matches, in the same
    order, as over the whole text). A text that is not ASCII: every line (case folding).
    """
    if not text.isascii():
        return [(0, len(text))]
    lines: list[tuple[int, int]] = []
    comma = lowered.find(",")
    while comma != -1:
        line_start = lowered.rfind("\n", 0, comma) + 1
        before = lowered[line_start:comma].rstrip(" \t")
        if (
            before.endswith(_GREETING_ENDS)
            or before.endswith(",")
            or "dear" in before
            or _TITLE_END.search(before)
        ):
            line_end = lowered.find("\n", comma)
            line_end = len(lowered) if line_end == -1 else line_end
            if not lines or lines[-1] != (line_start, line_end):
                lines.append((line_start, line_end))
        comma = lowered.find(",", comma + 1)
    return lines


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
    fragments: list[tuple[int, int]] = field(default_factory=list)  # short remarks ("Pregnant?")


class Checker:
    """One configuration of the check, loaded once: reuse it for many texts (bulk approval).

    ``extra_rules``: HR's phrases (``rules.rules_from_db()``, one query); None loads them,
    ``()`` checks with the built-in lists only (pure, no database). ``packs``: the languages
    (default ``default_packs()``).
    """

    def __init__(self, *, extra_rules=None, packs: dict[str, LanguagePack] | None = None, memo: bool = True):
        self.memo = memo
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
        self,
        text: str,
        *,
        addressee: Addressee | None = None,
        point: bool = False,
        language: str | None = None,
    ) -> list[Finding]:
        """The findings of one text, sorted by start (see the module docstring)."""
        return self.check_texts([text], addressees=[addressee], point=point, language=language)[0]

    def check_texts(
        self,
        texts: Sequence[str],
        *,
        addressees: Sequence[Addressee | None] | None = None,
        point: bool = False,
        language: str | None = None,
    ) -> list[list[Finding]]:
        """The findings of each text, in order; the classifier sees all their sentences at once.

        ``addressees``: one per text (or None). ``point=True``: the texts are the observation or
        suggestion of feedback points, which adds the point-only phrase rules (a reason that
        only restates the decision). ``language``: the language the texts are expected in (the
        letter's or the candidate's, e.g. ``"de"``): a paragraph too short for the identifier
        to tell ("Vielen Dank!") is read in it instead of English, when the check covers it.
        Paragraphs the identifier does tell keep their own language.
        """
        texts = [t or "" for t in texts]
        addressees = list(addressees) if addressees is not None else [None] * len(texts)
        # One memo per batch: each distinct sentence piece is scanned once, each distinct
        # paragraph's language told once (results identical to checking each text alone).
        memo: dict | None = {} if self.memo else None
        fallback = language if language in self.packs else self.default_language
        work = [
            self._prepare(text, addressee, point, memo, fallback)
            for text, addressee in zip(texts, addressees, strict=True)
        ]
        self._classify(work)
        return [self._finish(w) for w in work]

    def check_point(
        self,
        observation: str,
        suggestion: str,
        *,
        addressee: Addressee | None = None,
        language: str | None = None,
    ) -> dict[str, list[Finding]]:
        return self.check_points([(observation, suggestion)], addressee=addressee, language=language)[0]

    def check_points(
        self,
        points: Sequence[tuple[str, str]],
        *,
        addressee: Addressee | None = None,
        language: str | None = None,
    ) -> list[dict[str, list[Finding]]]:
        """For each (observation, suggestion): ``{"observation": [...], "suggestion": [...]}``.

        Everything ``check_texts`` finds, plus ``no_observation`` / ``no_suggestion`` (start =
        end = 0, blocking) when a field says nothing concrete once flagged words are set aside
        (``rules.observation_is_concrete``, ``rules.suggestion_is_concrete``).
        """
        flat = [text for pair in points for text in pair]
        found = self.check_texts(flat, addressees=[addressee] * len(flat), point=True, language=language)
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

    def _prepare(
        self,
        text: str,
        addressee: Addressee | None,
        point: bool,
        memo: dict | None = None,
        fallback: str = "",
    ) -> _Work:
        fallback = fallback or self.default_language
        paragraphs = [
            s if s.code else languages.Segment(s.start, s.end, fallback, s.confidence)
            for s in languages.segments(text, cache=memo)
        ]
        # Each sentence in its own language (the paragraph's only for sentences too short to
        # tell): an English remark inside a German paragraph gets the English check.
        sentences = classifier.split_sentences(text, cache=memo)
        segments = languages.sentence_segments(text, paragraphs, sentences, cache=memo)
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
            found = (
                pack.phrases(text, extra_rules=self.extra_rules, names=names, point=point, cache=memo)
                if memo is not None
                else pack.phrases(text, extra_rules=self.extra_rules, names=names, point=point)
            )
            for f in found:
                if any(s.start <= f.start and f.end <= s.end for s in mine):
                    work.phrase.append(f if f.language == code else _with(f, language=code))
            if pack.classify is None:
                work.other.append(_classifier_missing(pack))
        # A few words that say nothing of their language ("Pregnant?" in a German letter) are
        # read by the English lists too: English remarks get the English check wherever they are.
        english = self.packs.get(DEFAULT_LANGUAGE)
        if english is not None and present - {DEFAULT_LANGUAGE}:
            loose = [
                (a, b)
                for a, b in sentences
                if _code_at(segments, a) != DEFAULT_LANGUAGE and languages.undetermined(text[a:b])
            ]
            if loose:
                found = (
                    english.phrases(text, extra_rules=self.extra_rules, names=names, point=point, cache=memo)
                    if memo is not None
                    else english.phrases(text, extra_rules=self.extra_rules, names=names, point=point)
                )
                kept = [(f.category, f.start, f.end) for f in work.phrase]
                work.phrase += [
                    f
                    for f in found
                    if _inside(f, loose)
                    and f.source == SOURCE_PHRASE
                    and (f.category, f.start, f.end) not in kept
                ]
        for segment in segments:
            if segment.code not in self.packs:
                work.other.append(_not_checked(text, segment, self.packs))
        work.other += merge_field_findings(text, addressee)
        only = segments[0] if len(segments) == 1 else None
        for start, end in sentences:
            if len(text[start:end].split(None, MIN_CLASSIFIED_WORDS)) < MIN_CLASSIFIED_WORDS:
                if _addressed_fragment(text, start, end):
                    work.fragments.append((start, end))
                continue
            if only is not None:
                segment = only if only.start <= start < only.end else None
            else:
                segment = next((s for s in segments if s.start <= start < s.end), None)
            code = segment.code if segment else fallback
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
            sentences = [w.text[a:b] for w, a, b in items]
            if self.memo:
                # Each distinct sentence once: the model gives a sentence the same prediction
                # whatever else is in the batch (classifier.classify).
                distinct = list(dict.fromkeys(sentences))
                by_sentence = dict(zip(distinct, self.packs[code].classify(distinct), strict=True))
                predictions = [by_sentence[s] for s in sentences]
            else:
                predictions = self.packs[code].classify(sentences)
            for (w, a, b), prediction in zip(items, predictions, strict=True):
                w.predictions[(a, b)] = prediction

    def _finish(self, w: _Work) -> list[Finding]:
        findings = [_about_reader(f) if _inside(f, w.fragments) else f for f in w.phrase]
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


def _code_at(segments, position: int) -> str | None:
    return next((s.code for s in segments if s.start <= position < s.end), None)


def _addressed_fragment(text: str, start: int, end: int) -> bool:
    """A remark of one or two words that stands as a whole text (a subject line) or ends with
    ".", "?" or "!" ("Pregnant?", "Too old!"): said to the reader, the candidate. A heading
    ("Medication:") or a name is not one."""
    piece = text[start:end].rstrip()
    return piece.endswith(("?", "!", ".")) or not (text[:start].strip() or text[end:].strip())


def _inside(finding: Finding, spans: list[tuple[int, int]]) -> bool:
    return any(a <= finding.start and finding.end <= b for a, b in spans)


def _about_reader(finding: Finding) -> Finding:
    """A protected-characteristic word in a one- or two-word remark names nobody else: it is
    about the candidate the text is addressed to, as "you are pregnant" is (blocking, 0.9)."""
    if finding.category != PERSONAL_ATTRIBUTE or finding.blocking or finding.source != SOURCE_PHRASE:
        return finding
    return _with(finding, blocking=True, confidence=max(finding.confidence, rules.ABOUT_CANDIDATE_CONFIDENCE))


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
    if pack.unavailable.startswith(NO_MODEL_REASON.split("{", 1)[0]):
        message = f"Checked with the phrase lists only: {pack.unavailable}."
        suggestion = (
            f"The {language_name(pack.code)} lists catch common boilerplate and personal remarks, not "
            "paraphrases: read the text with care."
        )
    else:
        message = (
            f"Checked with the phrase lists only: the sentence classifier for {language_name(pack.code)} "
            f"is unavailable ({pack.unavailable or 'no model'})."
        )
        suggestion = (
            "Ask an administrator to restore feedback/quality/model/; until then read the text with care."
        )
    return Finding(
        NOT_CHECKED,
        0,
        0,
        "",
        message,
        suggestion,
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
