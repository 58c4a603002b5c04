"""The feedback quality check ("linter"): from text to findings.

``check_text`` is pure: it reads the built-in phrase lists in
``feedback/quality/phrases.json`` (English, versioned, loaded once) plus any ``extra_rules``
and never touches the database. ``rules_from_db`` turns the admin's active
``Phrase`` rows into rules; ``check_text_with_db`` combines the two. When
checking many texts, call ``rules_from_db()`` once and pass the result as
``extra_rules`` to each ``check_text`` call.

How matching works (see docs/quality-check.md):

- Each rule set is compiled once into one regular expression per category
  (cached by the rules themselves), so linting thousands of letters costs one
  compile.
- Matching is case-insensitive and on word boundaries. Before matching, curly
  apostrophes and quotes, Unicode dashes and odd spaces are mapped one
  character to one character onto their ASCII forms, so ``won’t`` matches
  ``won't`` and the offsets still index the original text.
- Built-in patterns are trusted regular expressions; admin patterns are
  escaped, only ``*`` is special (any word characters).
- Words for protected characteristics that are also what a job is about
  ("medication", "pregnant", "young", "disabilities") are flagged only when they
  describe the candidate (``feedback.quality.subjects``: the subject rule).

This is the phrase half of the check; ``feedback.quality.check`` runs it together with the
sentence classifier and the language identifier, and decides what blocks approval.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from feedback.quality import subjects, subjects_intl

DATA_FILE = Path(__file__).resolve().parent / "phrases.json"

BOILERPLATE = "boilerplate"
PERSONAL_ATTRIBUTE = "personal_attribute"
NO_OBSERVATION = "no_observation"
NO_SUGGESTION = "no_suggestion"
MERGE_FIELD = "merge_field"
NOT_CHECKED = "not_checked"
GREETING = "greeting"  # a greeting that misses the preferred name or names someone else
CATEGORIES = (
    BOILERPLATE,
    PERSONAL_ATTRIBUTE,
    NO_OBSERVATION,
    NO_SUGGESTION,
    MERGE_FIELD,
    NOT_CHECKED,
    GREETING,
)
CATEGORY_LABELS = {
    BOILERPLATE: "boilerplate",
    PERSONAL_ATTRIBUTE: "personal attribute",
    NO_OBSERVATION: "no concrete observation",
    NO_SUGGESTION: "no concrete suggestion",
    MERGE_FIELD: "leftover merge field",
    NOT_CHECKED: "not checked",
    GREETING: "greeting",
}

# Where a finding comes from.
SOURCE_PHRASE = "phrase"  # the phrase lists, the point heuristics, merge fields and greetings
SOURCE_CLASSIFIER = "classifier"  # the sentence classifier (feedback/quality/classifier.py)
SOURCE_LANGUAGE = "language"  # the language identifier: a part the check could not read

# How sure a phrase finding is (0..1). A pattern that names its own subject ("your age",
# "culture fit") is as sure as a phrase list gets; a protected-characteristic word whose
# holder is the candidate (the subject rule) nearly so; one whose holder the sentence does not
# name ("Medication was mentioned.") is advisory unless the classifier agrees
# (feedback.quality.check).
PHRASE_CONFIDENCE = 0.95
ABOUT_CANDIDATE_CONFIDENCE = 0.9
ABOUT_LIKELY_CONFIDENCE = 0.7
ABOUT_UNKNOWN_CONFIDENCE = 0.6

# Rules in the "text" scope run everywhere; "point" rules run only on the
# observation and suggestion of a feedback point (a letter has to state the
# decision somewhere, a reason must not consist of it).
SCOPE_TEXT = "text"
SCOPE_POINT = "point"


@dataclass(frozen=True)
class Finding:
    """One problem in a text.

    ``blocking``: approval waits until it is fixed or overridden with a reason; an advisory
    finding (``blocking=False``) is shown, marked "advisory", and blocks nothing.
    ``confidence`` (0..1): how sure the check is (the classifier's probability that the
    sentence is not fine, or the phrase's fixed confidence above). ``language``: the language
    code the text was checked in (``""`` for findings that do not depend on one).
    """

    # boilerplate | personal_attribute | no_observation | no_suggestion | merge_field | not_checked | greeting
    category: str
    start: int  # character offsets into the checked text (Python str indices)
    end: int
    text: str  # text[start:end]
    message: str  # why it is a problem, for HR
    suggestion: str = ""  # what to write instead
    source: str = SOURCE_PHRASE  # phrase | classifier | language
    confidence: float = PHRASE_CONFIDENCE
    blocking: bool = True
    language: str = "en"

    @property
    def advisory(self) -> bool:
        return not self.blocking

    @property
    def label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)


@dataclass(frozen=True)
class Rule:
    """One pattern of a phrase list.

    ``literal=True`` marks admin input: the pattern is escaped and only ``*``
    is special. Otherwise ``pattern`` is a regular expression in the built-in
    syntax (see ``phrases.json``: a space means whitespace or hyphens).
    """

    category: str
    pattern: str
    message: str
    suggestion: str = ""
    literal: bool = False
    scope: str = SCOPE_TEXT
    name: str = ""
    # "adjective" | "noun" | "relation": flag only when the words describe the candidate
    # (feedback.quality.subjects); "" for patterns that name their subject or need none.
    about: str = ""
    # The language of a built-in list (its subject rule: subjects.py for English,
    # subjects_intl.py for German, French and Spanish).
    language: str = "en"

    @property
    def regex(self) -> str:
        """The rule as a regular expression, without the word-boundary guards."""
        return phrase_to_regex(self.pattern) if self.literal else builtin_to_regex(self.pattern)


# --- Unicode folding that keeps offsets -----------------------------------------------------------

_FOLD = str.maketrans(
    {
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u201a": "'",  # ‚
        "\u201b": "'",  # ‛
        "\u02bc": "'",  # ʼ
        "\u2032": "'",  # ′
        "\uff07": "'",  # ＇
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
    }
)


def _fold(text: str) -> str:
    """Map look-alike characters one to one, so offsets into the result fit the original."""
    return text.translate(_FOLD)


# --- Pattern syntax --------------------------------------------------------------------------------

_SEP = r"[\s\-]+"  # what a space in a phrase stands for: "culture fit", "culture-fit", "culture\nfit"
_MACRO = re.compile(r"<<([A-Z_]+)>>")


def builtin_to_regex(pattern: str, macros: dict[str, str] | None = None) -> str:
    """Expand a built-in pattern: <<MACROS>>, then each literal space to whitespace-or-hyphens."""
    macros = _load_data()["macros"] if macros is None else macros

    def expand(match: re.Match) -> str:
        return builtin_to_regex(macros[match.group(1)], macros)

    expanded = _MACRO.sub(expand, pattern)
    return expanded.replace(" ", _SEP)


def phrase_to_regex(pattern: str) -> str:
    """An admin phrase as a safe regular expression.

    Everything is escaped except ``*``, which stands for any word characters.
    Spaces and hyphens between words match any run of whitespace or hyphens,
    as in the built-in lists. A trailing ``*`` (the documented use: "any word
    ending") is possessive; one more ``*`` per word is allowed at its start or
    middle. Further ``*`` in the same word are dropped, which keeps the worst
    case linear in the length of the text.
    """
    words = re.split(r"[\s\-]+", _fold(pattern).lower().strip(" -"))
    parts = []
    for word in words:
        trailing = word.endswith("*")
        pieces = word.rstrip("*").split("*")
        if len(pieces) > 2:
            pieces = [pieces[0], "".join(pieces[1:])]
        regex = r"\w*?".join(re.escape(piece) for piece in pieces)
        if trailing:
            regex += r"\w*+"
        parts.append(regex)
    return _SEP.join(parts)


def _has_word_char(pattern: str) -> bool:
    return bool(re.search(r"\w", pattern.replace("*", "")))


# --- Built-in data -----------------------------------------------------------------------------------


def data_file(language: str = "en") -> Path:
    """The phrase file of a language: ``phrases.json`` (English), ``phrases_<code>.json`` else."""
    return DATA_FILE if language == "en" else DATA_FILE.with_name(f"phrases_{language}.json")


def phrase_languages() -> tuple[str, ...]:
    """The languages with built-in phrase lists (``("de", "en", "es", "fr")``)."""
    found = {"en"} | {p.stem.split("_", 1)[1] for p in DATA_FILE.parent.glob("phrases_*.json")}
    return tuple(sorted(found))


@functools.cache
def _load_data(language: str = "en") -> dict:
    with data_file(language).open(encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("language", "en") != language:
        raise ValueError(f"{data_file(language).name}: its 'language' is not {language!r}")
    return data


@functools.cache
def builtin_rules(language: str = "en") -> tuple[Rule, ...]:
    """The built-in phrase lists of ``language``, in file order (earlier patterns win at the
    same position). Other languages' macros are expanded here, so ``Rule.regex`` needs none."""
    data = _load_data(language)
    rules = []
    for group in data["groups"]:
        for entry in group["patterns"]:
            pattern, about = (entry, "") if isinstance(entry, str) else (entry["pattern"], entry["about"])
            if about and about not in subjects.KINDS:
                raise ValueError(f"{data_file(language).name}: unknown 'about' {about!r} for {pattern!r}")
            if language != "en":
                pattern = _expand_macros(pattern, data.get("macros", {}))
            rules.append(
                Rule(
                    category=group["category"],
                    pattern=pattern,
                    message=group["message"],
                    suggestion=group.get("suggestion", ""),
                    scope=group.get("scope", SCOPE_TEXT),
                    name=group["id"] if language == "en" else f"{language}:{group['id']}",
                    about=about,
                    language=language,
                )
            )
    return tuple(rules)


def _expand_macros(pattern: str, macros: dict[str, str]) -> str:
    return _MACRO.sub(lambda match: _expand_macros(macros[match.group(1)], macros), pattern)


def phrases_version(language: str = "en") -> str:
    """The version of a language's built-in phrase lists (record it with an override, for instance)."""
    return _load_data(language)["version"]


def phrases_language() -> str:
    """The language code of the main built-in phrase lists (``"en"``)."""
    return _load_data().get("language", "en")


# --- Compilation (cached) ----------------------------------------------------------------------------
#
# One alternation of a few hundred patterns would try every pattern at every
# word start (tens of milliseconds per letter). Instead each rule is compiled
# once on its own, and the rules are indexed by the first two characters they
# can start with. Scanning visits each word start once and tries only the
# few rules indexed under its first two characters. Rules whose start cannot
# be worked out (an admin phrase starting with "*") are scanned on their own.
# Matching runs without IGNORECASE on a lower-cased copy of the text, which is
# faster; the rare text whose lower case changes length falls back to
# IGNORECASE on the original.

_PREFIX_LEN = 2
_MAX_PREFIXES = 4000
_CUT = "cut"  # the prefix stops here: anything may follow
_END = "end"  # the element ended here: what follows continues the prefix


def _prefixes(items, sre) -> set[tuple[str, str]]:
    """Strings (up to _PREFIX_LEN) a sequence of parsed regex items can start with."""
    partial = {""}
    done: set[tuple[str, str]] = set()
    for item in items:
        pieces = _item_prefixes(item, sre)
        grown = set()
        for head in partial:
            for piece, state in pieces:
                text = head + piece
                if len(text) >= _PREFIX_LEN:
                    done.add((text[:_PREFIX_LEN], _CUT))
                elif state == _CUT:
                    done.add((text, _CUT))
                else:
                    grown.add(text)
        partial = grown
        if len(done) + len(partial) > _MAX_PREFIXES:
            return {("", _CUT)}
        if not partial:
            break
    return done | {(head, _END) for head in partial}


def _item_prefixes(item, sre) -> set[tuple[str, str]]:
    op, av = item
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {("", _END)}
    if op is sre.LITERAL:
        return {(chr(av), _END)}
    if op is sre.IN:
        chars = set()
        for in_op, in_av in av:
            if in_op is sre.LITERAL:
                chars.add(chr(in_av))
            elif in_op is sre.RANGE and in_av[1] - in_av[0] < 64:
                chars.update(chr(c) for c in range(in_av[0], in_av[1] + 1))
            elif in_op is sre.CATEGORY and in_av is sre.CATEGORY_DIGIT:
                chars.update("0123456789")
            else:
                return {("", _CUT)}
        return {(c, _END) for c in chars}
    if op is sre.BRANCH:
        out = set()
        for branch in av[1]:
            out |= _prefixes(branch, sre)
        return out
    if op is sre.SUBPATTERN:
        return _prefixes(av[-1], sre)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = av
        once = _prefixes(sub, sre)
        out = {("", _END)} if low == 0 else set()
        current = {("", _END)}
        for count in range(1, _PREFIX_LEN + 1):
            nxt = set()
            for head, head_state in current:
                if head_state == _CUT:
                    continue
                for piece, state in once:
                    text = head + piece
                    nxt.add((text[:_PREFIX_LEN], _CUT if len(text) >= _PREFIX_LEN else state))
            current = nxt
            if count >= low:
                out |= current
            if count >= high:
                break
        else:
            # More repetitions than the prefix length: whatever was still open may go on.
            out |= {(head, _CUT) for head, state in current if state == _END}
        return out
    return {("", _CUT)}


def _start_keys(regex: str, flags: int) -> frozenset[str] | None:
    """The one- or two-character strings the regex can start with (one character: any second).

    None when a start cannot be worked out. Uses the stdlib's regex parser; any
    surprise from that private API only means "unknown", never a wrong answer.
    """
    try:
        from re import _constants as sre
        from re import _parser

        prefixes = _prefixes(_parser.parse(regex, flags), sre)
    except Exception:  # noqa: BLE001
        return None
    keys = frozenset(text.lower() for text, _state in prefixes)
    if "" in keys:
        return None
    return keys


@dataclass(frozen=True)
class _Bucket:
    """The rules that can start with the same characters."""

    any_of: re.Pattern  # all of them in one alternation: one call says whether any matches here
    by_category: tuple  # ((category, ((Rule, Pattern), ...)), ...) in rule order: which ones did


@dataclass(frozen=True)
class _Index:
    """A rule set compiled once, its rules indexed by how they start."""

    ignorecase: bool
    starts: re.Pattern | None  # word starts whose first characters some rule can start with
    by_two: dict  # "ab" -> _Bucket; includes the rules indexed under "a" alone
    by_one: dict  # "a" -> _Bucket: rules that may continue with anything after "a"
    anywhere: tuple  # ((Rule, Pattern), ...) scanned on their own


def _bucket(members, flags: int) -> _Bucket:
    any_of = "|".join(f"(?:{rule.regex})" for rule, _compiled in members)
    by_category: dict[str, list] = {}
    for rule, compiled in members:
        by_category.setdefault(rule.category, []).append((rule, compiled))
    return _Bucket(
        any_of=re.compile(rf"(?<!\w)(?:{any_of})(?!\w)", flags),
        by_category=tuple((category, tuple(rules)) for category, rules in by_category.items()),
    )


def _starts_regex(twos: set[str], ones: set[str], flags: int) -> re.Pattern | None:
    """Word starts worth a look, as a tree the engine walks in a step or two: a[bc]|b[e]|c."""
    heads = sorted({key[0] for key in twos} | ones)
    if not heads:
        return None
    branches = []
    for head in heads:
        seconds = "".join(sorted(re.escape(key[1]) for key in twos if key[0] == head))
        branch = re.escape(head)
        if seconds:
            # Two characters when they index something, else one if rules start "head, anything".
            branch += f"[{seconds}]" + ("?" if head in ones else "")
        branches.append(branch)
    return re.compile(rf"(?<!\w)(?:{'|'.join(branches)})", flags)


@functools.lru_cache(maxsize=64)
def _compile(rules: tuple[Rule, ...], ignorecase: bool = False) -> _Index:
    flags = re.IGNORECASE if ignorecase else 0
    entries = []
    for rule in rules:
        if rule.literal and not _has_word_char(rule.pattern):
            continue  # "*" or punctuation alone would flag everything or nothing
        regex = rule.regex
        compiled = re.compile(rf"(?<!\w)(?:{regex})(?!\w)", flags)
        entries.append((rule, compiled, _start_keys(regex, flags)))
    indexed = [(r, c, k) for r, c, k in entries if k is not None]
    twos = {key for _r, _c, keys in indexed for key in keys if len(key) == 2}
    ones = {key for _r, _c, keys in indexed for key in keys if len(key) == 1}

    def bucket(belongs) -> _Bucket:
        return _bucket([(r, c) for r, c, keys in indexed if belongs(keys)], flags)

    return _Index(
        ignorecase=ignorecase,
        starts=_starts_regex(twos, ones, flags),
        by_two={key: bucket(lambda keys, key=key: key in keys or key[0] in keys) for key in twos},
        by_one={key: bucket(lambda keys, key=key: key in keys) for key in ones},
        anywhere=tuple((rule, compiled) for rule, compiled, keys in entries if keys is None),
    )


# How far around a match the subject rule reads (it stops at the sentence's end anyway).
_CONTEXT_BEFORE = 400
_CONTEXT_AFTER = 200


def _finding(text: str, rule: Rule, start: int, end: int, names: frozenset[str]) -> Finding | None:
    """The finding of one match, or None when the subject rule says it is not about the candidate."""
    confidence = PHRASE_CONFIDENCE
    blocking = True
    if rule.about:
        holder = subjects.holder if rule.language == "en" else subjects_intl.holder_for(rule.language)
        found = holder(
            text[max(0, start - _CONTEXT_BEFORE) : start],
            text[end : end + _CONTEXT_AFTER],
            kind=rule.about,
            names=names,
            match=text[start:end],
        )
        if found == subjects.OTHER:
            return None
        if found == subjects.UNKNOWN:
            confidence, blocking = ABOUT_UNKNOWN_CONFIDENCE, False
        elif found == subjects.LIKELY:
            confidence, blocking = ABOUT_LIKELY_CONFIDENCE, False
        else:
            confidence = ABOUT_CANDIDATE_CONFIDENCE
    return Finding(
        category=rule.category,
        start=start,
        end=end,
        text=text[start:end],
        message=rule.message,
        suggestion=rule.suggestion,
        confidence=confidence,
        blocking=blocking,
        language=rule.language,
    )


def _scan(text: str, folded: str, index_for, accept) -> list[Finding]:
    """Leftmost, non-overlapping matches per category; the earlier rule wins at the same start.

    ``index_for(ignorecase)`` returns the compiled rule set. ``accept(rule, start, end)`` turns a
    match into a Finding, or None when the subject rule says it is not about the candidate (the
    next rule at that place is then tried: "young" about a mother, then "young mother").
    """
    lowered = folded.lower()
    if len(lowered) == len(folded):
        subject, index = lowered, index_for(False)
    else:  # a character whose lower case is longer ("İ"): offsets would shift
        subject, index = folded, index_for(True)
    findings = []
    if index.starts is not None:
        free_from: dict[str, int] = {}  # per category: where its last match ended
        by_two, by_one = index.by_two, index.by_one
        for hit in index.starts.finditer(subject):
            pos = hit.start()
            key = hit.group()
            if index.ignorecase:  # one character each: "İ".lower() is two
                key = "".join(char.lower()[:1] for char in key)
            bucket = by_two.get(key) if len(key) == 2 else None
            if bucket is None:  # "ax" where only rules starting "a", then anything, exist
                bucket = by_one.get(key[0])
            if bucket is None:
                continue
            if not bucket.any_of.match(subject, pos):
                continue  # the usual case: one call per word start
            for category, rules in bucket.by_category:
                if pos < free_from.get(category, 0):
                    continue
                for rule, compiled in rules:
                    match = compiled.match(subject, pos)
                    if match and match.end() > pos:
                        finding = accept(rule, pos, match.end())
                        if finding is None:
                            continue
                        findings.append(finding)
                        free_from[category] = match.end()
                        break
    for rule, compiled in index.anywhere:
        for match in compiled.finditer(subject):
            if match.end() > match.start():
                finding = accept(rule, match.start(), match.end())
                if finding is not None:
                    findings.append(finding)
    return findings


@functools.cache
def _builtin(scope: str, language: str = "en") -> tuple[Rule, ...]:
    return tuple(r for r in builtin_rules(language) if r.scope == scope)


@functools.cache
def _builtin_index(scope: str, ignorecase: bool, language: str = "en") -> _Index:
    # Keyed by the scope name: hashing hundreds of rules on every call would cost more than a scan.
    return _compile(_builtin(scope, language), ignorecase)


def _dedupe_sorted(findings: list[Finding]) -> list[Finding]:
    seen = set()
    unique = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end, CATEGORIES.index(f.category))):
        key = (finding.category, finding.start, finding.end)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _phrase_findings(
    text: str, extra_rules, scopes: tuple[str, ...], names=(), cache: dict | None = None, language: str = "en"
) -> list[Finding]:
    if not text:
        return []
    folded = _fold(text)
    name_set = frozenset(n.lower() for n in names if n)

    def accept(rule, start, end):
        return _finding(text, rule, start, end, name_set)

    findings = []
    if cache is not None and _pieceable(text, scopes, language):
        findings += _piece_findings(text, folded, scopes, name_set, cache, language)
    else:
        for scope in scopes:
            index_for = functools.partial(_builtin_index, scope, language=language)
            findings += _scan(text, folded, index_for, accept)
    extra = tuple(extra_rules)
    if extra:
        findings += _scan(text, folded, functools.partial(_compile, extra), accept)
    return _dedupe_sorted(findings)


# --- Sentence pieces, memoised (bulk checks) ----------------------------------------------------------
#
# A batch of letters repeats whole sentences (greetings, thanks, the decision, template text).
# With a ``cache`` dict, the built-in lists read a text piece by piece (a piece ends after each
# ".", "!" or "?"), and each distinct piece is scanned once per cache. The findings are exactly
# those of the whole-text scan (``_scan``), because:
#
# - the rules are split, once per scope, into *piece-safe* rules, which can never consume one of
#   those characters nor use an anchor other than a word boundary or the end (checked on the
#   parsed pattern, ``_safe_for_pieces``), and the few others (``c\.v\.``, a lookbehind for
#   "mr. "...), which are matched on the whole text. A piece-safe rule matches a piece exactly
#   where it matches the whole text there: no match or lookaround can cross a piece's end;
# - every rule starts with a word character, so the word starts tried are the same whichever
#   rules are indexed together, and both halves report, at each word start and for each
#   category, the first rule (in file order) that matches and that the subject rule accepts;
#   ``_replay`` then keeps the leftmost non-overlapping ones per category, as ``_scan`` does;
# - the subject rule cuts its context at those characters anyway (``subjects._SENTENCE_END``
#   and ``_CLAUSE_END`` contain them) and reads words, not spaces;
# - the candidate's names matter to a piece only when one of them is written in it, so the
#   cache key holds only those (letters to different candidates share their template pieces);
# - a text whose lower case changes length, or has a capital sigma (whose lower case depends
#   on the next letter), is scanned whole, as before.
#
# HR's own phrases (``extra_rules``) always scan the whole text. ``test_quality_speed.py``
# compares both paths on thousands of letters.

_PIECE_CHARS = ".!?"
_PIECE_END = re.compile(r"[.!?]")
_WORD_START = re.compile(r"\w")


def _safe_for_pieces(items, sre) -> bool:
    """Whether parsed regex ``items`` can never consume a piece-ending character and use no
    anchor but a word boundary or the end. Anything it does not know: False."""
    for op, av in items:
        if op is sre.LITERAL:
            if chr(av) in _PIECE_CHARS:
                return False
        elif op is sre.IN:
            negated = bool(av) and av[0][0] is sre.NEGATE
            literals = set()
            for in_op, in_av in av[1:] if negated else av:
                if in_op is sre.LITERAL:
                    literals.add(chr(in_av))
                elif in_op is sre.RANGE:
                    low, high = in_av
                    literals.update(c for c in _PIECE_CHARS if low <= ord(c) <= high)
                elif in_op is sre.CATEGORY:
                    if in_av not in (sre.CATEGORY_WORD, sre.CATEGORY_DIGIT, sre.CATEGORY_SPACE) or negated:
                        return False
                else:
                    return False
            if negated and not all(c in literals for c in _PIECE_CHARS):
                return False
            if not negated and any(c in literals for c in _PIECE_CHARS):
                return False
        elif op is sre.AT:
            if av not in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY, sre.AT_END, sre.AT_END_STRING):
                return False
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if not _safe_for_pieces(av[1], sre):
                return False
        elif op is sre.BRANCH:
            if not all(_safe_for_pieces(branch, sre) for branch in av[1]):
                return False
        elif op is sre.SUBPATTERN:
            if av[1] & (re.MULTILINE | re.DOTALL) or not _safe_for_pieces(av[-1], sre):
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            if not _safe_for_pieces(av[2], sre):
                return False
        elif op is sre.ATOMIC_GROUP:
            if not _safe_for_pieces(av, sre):
                return False
        else:  # ANY, NOT_LITERAL, group references...
            return False
    return True


def _heads(op, av, sre) -> set[str]:
    """The literal strings a group or an alternation starts with ("" when it may start otherwise)."""
    if op is sre.SUBPATTERN:
        return _sequence_heads(av[-1], sre)
    return set().union(*(_sequence_heads(branch, sre) for branch in av[1]))


def _sequence_heads(items, sre) -> set[str]:
    run = ""
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
        elif op in (sre.SUBPATTERN, sre.BRANCH):
            return {run + head for head in _heads(op, av, sre)}
        else:
            break
    return {run}


def _piece_runs(items, sre) -> set[str] | None:
    """The literal strings with a piece-ending character that parsed regex ``items`` may
    consume ("c.v.", "mr." in a lookbehind); None when such a character may be consumed any
    other way (a class, a wildcard) or the pattern has something ``_safe_for_pieces`` refuses."""
    runs: set[str] = set()
    run, ending = "", False
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run += chr(av)
            ending = ending or chr(av) in _PIECE_CHARS
            continue
        if ending:
            runs.add(run)
        run, ending = "", False
        if op is None:
            break
        if op in (sre.IN, sre.AT):
            if not _safe_for_pieces([(op, av)], sre):
                return None
            continue
        if op in (sre.ASSERT, sre.ASSERT_NOT):
            subs = [av[1]]
        elif op is sre.BRANCH:
            subs = av[1]
        elif op is sre.SUBPATTERN:
            if av[1] & (re.MULTILINE | re.DOTALL):
                return None
            subs = [av[-1]]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            subs = [av[2]]
        elif op is sre.ATOMIC_GROUP:
            subs = [av]
        else:
            return None
        for sub in subs:
            found = _piece_runs(sub, sre)
            if found is None:
                return None
            runs |= found
    return runs


def _required(items, sre) -> list[frozenset[str]]:
    """Sets of strings such that every match of parsed regex ``items`` contains one string of
    each set: a run of literal characters, a group's, one per branch of an alternation."""
    options: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if run and op in (sre.SUBPATTERN, sre.BRANCH):  # "you" + (?:ng|th): "young", "youth"
            options.append(frozenset(run + head for head in _heads(op, av, sre)))
        if run:
            options.append(frozenset([run]))
            run = ""
        if op is sre.SUBPATTERN:
            options += _required(av[-1], sre)
        elif op is sre.BRANCH:
            best = [_best(_required(branch, sre)) for branch in av[1]]
            if all(best):
                options.append(frozenset().union(*best))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            options += _required(av[2], sre)
    if run:
        options.append(frozenset([run]))
    return [option for option in options if option and "" not in option]


def _best(options: list[frozenset[str]]) -> frozenset[str]:
    """The requirement whose shortest string is longest (empty when there is none)."""
    return max(options, key=lambda option: min(map(len, option)), default=frozenset())


@dataclass(frozen=True)
class _Split:
    """A scope's built-in rules split for the piece path.

    ``safe``: the piece-safe rules. ``wide``: those plus the rules that consume a piece-ending
    character only inside literal strings (``runs``: "c.v.", "mr."...), piece-safe in any text
    without those strings (None when there are none). ``cond`` and ``hard``: the rules outside
    ``safe``, and outside ``wide``, each compiled alone with the strings a text must contain
    for it to match at all (one of each set): most texts skip their whole-text scan.
    """

    order: dict  # Rule -> its position in the scope's list (earlier wins)
    safe: _Index
    wide: _Index | None
    runs: tuple[str, ...]
    cond: tuple  # ((_Index, (frozenset[str], ...)), ...)
    hard: tuple


@functools.cache
def _builtin_split(scope: str, language: str = "en") -> _Split | None:
    """The split of ``scope``'s built-in rules, or None when the piece path cannot be used."""
    try:
        from re import _constants as sre
        from re import _parser
    except ImportError:  # pragma: no cover - another Python
        return None
    rules = _builtin(scope, language)
    safe, cond, hard = [], [], []
    for rule in rules:
        keys = _start_keys(rule.regex, 0)
        if keys is None or not all(_WORD_START.match(key[:1]) for key in keys):
            return None
        if any(c in key for key in keys for c in _PIECE_CHARS):
            return None
        try:
            parsed = _parser.parse(rf"(?<!\w)(?:{rule.regex})(?!\w)", 0)
            runs = _piece_runs(parsed, sre)
        except Exception:  # noqa: BLE001 - any surprise of the private parser: scan whole texts
            return None
        if runs is None:
            hard.append(rule)
        elif runs:
            cond.append((rule, runs))
        else:
            safe.append(rule)
    order: dict = {}
    for position, rule in enumerate(rules):
        order.setdefault(rule, position)
    safe_index = _compile(tuple(safe), False)
    conditional = {rule for rule, _runs in cond}
    wide = _compile(tuple(r for r in rules if r in conditional or r in set(safe)), False) if cond else None
    if safe_index.anywhere or (wide is not None and wide.anywhere):
        return None

    def alone(rule):
        index = _compile((rule,), False)
        try:
            needs = tuple(_required(_parser.parse(rule.regex, 0), sre))
        except Exception:  # noqa: BLE001 - unknown requirements: scan every text for it
            needs = ()
        return index, needs

    cond_alone = tuple(alone(rule) for rule, _runs in cond)
    hard_alone = tuple(alone(rule) for rule in hard)
    if any(index.anywhere for index, _needs in cond_alone + hard_alone):
        return None
    return _Split(
        order=order,
        safe=safe_index,
        wide=wide,
        runs=tuple(sorted({run for _rule, runs in cond for run in runs})),
        cond=cond_alone,
        hard=hard_alone,
    )


def _pieceable(text: str, scopes: tuple[str, ...], language: str = "en") -> bool:
    if not all(_builtin_split(scope, language) is not None for scope in scopes):
        return False
    if text.isascii():
        return True
    return "\u03a3" not in text and len(_fold(text).lower()) == len(text)


def _pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of each piece: up to and including a piece-ending character."""
    spans = []
    pos = 0
    for match in _PIECE_END.finditer(text):
        spans.append((pos, match.end()))
        pos = match.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _candidates(subject: str, index: _Index, order: dict, accept) -> list[tuple]:
    """At each word start and for each category, the first rule (in ``order``) that matches
    ``subject`` (lower case, folded) and that ``accept`` turns into a Finding:
    ``[(start, category, rank, finding), ...]``. ``_scan`` without its overlap rule."""
    out = []
    if index.starts is None:
        return out
    by_two, by_one = index.by_two, index.by_one
    for hit in index.starts.finditer(subject):
        pos = hit.start()
        key = hit.group()
        bucket = by_two.get(key) if len(key) == 2 else None
        if bucket is None:
            bucket = by_one.get(key[0])
        if bucket is None or not bucket.any_of.match(subject, pos):
            continue
        for category, rules in bucket.by_category:
            for rule, compiled in rules:
                match = compiled.match(subject, pos)
                if match and match.end() > pos:
                    finding = accept(rule, pos, match.end())
                    if finding is None:
                        continue
                    out.append((pos, category, order[rule], finding))
                    break
    return out


def _replay(candidates: list[tuple]) -> list[Finding]:
    """``_scan``'s choice among candidates: per category, leftmost first, the earliest rule at
    one start, and nothing starting before the previous match of that category ended."""
    best: dict = {}
    for start, category, rank, finding in candidates:
        key = (start, category)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, finding)
    free_from: dict[str, int] = {}
    out = []
    for (start, category), (_rank, finding) in sorted(best.items(), key=lambda item: item[0][0]):
        if start < free_from.get(category, 0):
            continue
        out.append(finding)
        free_from[category] = finding.end
    return out


def _shifted(found, offset: int) -> list[tuple]:
    if offset == 0:
        return list(found)
    return [
        (
            start + offset,
            category,
            rank,
            Finding(
                f.category,
                f.start + offset,
                f.end + offset,
                f.text,
                f.message,
                f.suggestion,
                f.source,
                f.confidence,
                f.blocking,
                f.language,
            ),
        )
        for start, category, rank, f in found
    ]


def _piece_findings(
    text: str,
    folded: str,
    scopes: tuple[str, ...],
    name_set: frozenset[str],
    cache: dict,
    language: str = "en",
) -> list[Finding]:
    """The built-in lists' findings of ``text`` (scope by scope, before dedupe), each distinct
    piece scanned once per ``cache``; the same as ``_scan`` on the whole text.

    When no crossing rule can match in ``text`` (the usual case: the strings it needs are
    absent), the whole-text scan is the pieces' own scans put together (no match crosses a
    piece's end, so neither does the overlap rule): each piece is scanned as ``_scan`` does.
    Otherwise every piece gives its candidates and ``_replay`` chooses among them and the
    crossing rules' matches on the whole text.
    """
    findings: list[Finding] = []
    pieces = _pieces(text)
    lowered = folded.lower()
    for scope in scopes:
        split = _builtin_split(scope, language)
        wide = split.wide is not None and not any(run in lowered for run in split.runs)
        index_of_pieces = split.wide if wide else split.safe
        crossing = split.hard if wide else split.cond + split.hard
        active = [index for index, needs in crossing if _may_match(lowered, needs)]
        mode = ("candidates" if active else "scan", "wide" if wide else "safe")
        collected: list = []
        for start, end in pieces:
            piece = text[start:end]
            if name_set:
                plain = piece.lower().replace("\u2019", "'")
                names = frozenset(n for n in name_set if n in plain)
            else:
                names = name_set
            key = (mode, language, scope, piece, names)
            found = cache.get(key)
            if found is None:

                def accept(rule, a, b, piece=piece, names=names):
                    return _finding(piece, rule, a, b, names)

                if active:
                    found = tuple(_candidates(lowered[start:end], index_of_pieces, split.order, accept))
                else:
                    index_for = functools.partial(_fixed, index_of_pieces)
                    found = tuple(_scan(piece, folded[start:end], index_for, accept))
                cache[key] = found
            if found:
                collected += _shifted(found, start) if active else _moved(found, start)
        if not active:
            findings += collected
            continue

        def whole(rule, a, b):
            return _finding(text, rule, a, b, name_set)

        for index in active:
            collected += _candidates(lowered, index, split.order, whole)
        findings += _replay(collected)
    return findings


def _may_match(lowered: str, needs) -> bool:
    """Whether ``lowered`` has one string of each set ``needs`` (``_required``)."""
    return all(any(need in lowered for need in option) for option in needs)


def _fixed(index: _Index, _ignorecase: bool) -> _Index:
    return index


def _moved(found, offset: int) -> list[Finding]:
    if offset == 0:
        return list(found)
    return [
        Finding(
            f.category,
            f.start + offset,
            f.end + offset,
            f.text,
            f.message,
            f.suggestion,
            f.source,
            f.confidence,
            f.blocking,
            f.language,
        )
        for f in found
    ]


# --- Public API --------------------------------------------------------------------------------------


def check_text(text: str, *, extra_rules=(), names=()) -> list[Finding]:
    """Boilerplate and personal-attribute findings of the phrase lists in ``text``, sorted by start.

    Pure. ``names``: the candidate's names (so "Rosa's accent" is about the candidate).
    Protected-characteristic words that describe someone or something else are left out;
    those whose holder the sentence does not say are advisory (``blocking=False``).
    """
    return _phrase_findings(text, extra_rules, (SCOPE_TEXT,), names)


def phrase_findings(
    text: str,
    *,
    extra_rules=(),
    names=(),
    point: bool = False,
    cache: dict | None = None,
    language: str = "en",
) -> list[Finding]:
    """``check_text``, or with ``point=True`` also the point-only rules (``check_point`` without
    the concreteness findings). The English pack of ``feedback.quality.check`` calls this.

    ``cache``: a dict shared by the texts of one batch (``Checker.check_texts``): each distinct
    sentence piece is scanned once; the findings are exactly those without it. None: no memo.
    """
    scopes = (SCOPE_TEXT, SCOPE_POINT) if point else (SCOPE_TEXT,)
    return _phrase_findings(text, extra_rules, scopes, names, cache, language)


# Words that carry no observation or suggestion on their own: function words,
# verdicts ("weak", "not good enough", "lacked depth") and generic advice
# ("improve", "practise more").
_FUNCTION_WORDS = frozenset(
    """
    a an the and or but nor so yet of in on at to for with by from as into onto about than then
    this that these those there here it its it's i me my we us our you your you're yours he him his
    she her hers they them their theirs one some any all each every both either neither other
    is are was were be been being am has have had having do does did done doing not no n't
    very really quite rather somewhat fairly pretty too also just still even much many more most
    less least little bit lot lots enough overall generally general basically simply
    which who whom whose what when where why how if while though although because since
    can could would should shall will may might must need needs needed
    n na n/a tbd tbc none nothing nil null nope etc ok okay yes
    """.split()
)
_VERDICT_WORDS = frozenset(
    """
    weak weaker weakness weaknesses poor poorly bad worse worst good better best great fine average
    mediocre insufficient insufficiently inadequate inadequately lacking lacked lacks lack limited
    depth deep shallow skills skill skillset knowledge experience experienced understanding
    performance performed perform technical technically ability abilities competence competency
    expectations expected expectation bar standard standards level levels strong stronger strength
    below above meet met meeting seemed seem seems felt feel feels unfortunately candidate interview
    underwhelming struggled struggle struggles struggling needs improvement improvements improve
    improving areas area concerns concern issues issue impression impressed fit sure clear unclear
    solid decent okay-ish satisfactory unsatisfactory subpar sub-par lacklustre lackluster room growth
    quality adequate sufficient sufficiently ready readiness hire hiring decision proceed moving
    forward reasons reason unable able well""".split()
)
_ADVICE_WORDS = frozenset(
    """
    improve improving improved better best more practice practise practicing practising study
    studying learn learning work working harder hard try trying keep keeping experience skills
    skill knowledge get getting gain gaining focus focusing continue continuing develop developing
    grow growing brush up stronger further areas area good luck general overall do be things stuff
    thing well great keep going everything something maybe consider prepare preparing prep
    """.split()
)
_ACTION_WORDS = frozenset(
    """
    said say says asked ask answered answer wrote write written used use chose chosen choose
    proposed propose explained explain described describe mentioned mention missed forgot skipped
    implemented designed built ran tested called returned handled suggested picked started stopped
    spent took gave named claimed stated assumed ignored hardcoded hard-coded declared added removed
    introduced compared estimated calculated drew sketched solved fixed debugged identified noticed
    did didn't didnt couldn't could't wasn't weren't when showed shown presented walked spoke talked
    """.split()
)
_WORD = re.compile(r"[^\W_]+(?:['/-][^\W_]+)*")


def _content_words(text: str, findings: list[Finding], ignore: frozenset[str]) -> tuple[list[str], bool]:
    """The words left once flagged spans and ``ignore`` words are removed; and whether an action is named."""
    chars = list(_fold(text))
    for finding in findings:
        chars[finding.start : finding.end] = " " * (finding.end - finding.start)
    words = [w.lower() for w in _WORD.findall("".join(chars))]
    has_action = any(w in _ACTION_WORDS for w in words)
    content = [w for w in words if w not in ignore and w not in _FUNCTION_WORDS and not w.isdigit()]
    return content, has_action


def observation_is_concrete(observation: str, findings: list[Finding] | None = None) -> bool:
    """Says what was said or done: 3+ content words, or 1+ with an action ("you used", "did not")."""
    content, has_action = _content_words(observation, findings or [], _VERDICT_WORDS)
    return len(content) >= 3 or (has_action and len(content) >= 1)


def suggestion_is_concrete(suggestion: str, findings: list[Finding] | None = None) -> bool:
    """Names what would have been stronger: 2+ words beyond generic advice ("do better", "improve")."""
    content, _ = _content_words(suggestion, findings or [], _ADVICE_WORDS | _VERDICT_WORDS)
    return len(content) >= 2


NO_OBSERVATION_MESSAGE = (
    "This point does not say what the candidate said or did. A verdict such as 'weak' or "
    "'lacked depth' gives them nothing to act on."
)
NO_OBSERVATION_SUGGESTION = (
    "Describe the moment: the question or task, and what the candidate said or did, e.g. "
    "'When asked to design the rate limiter you used a fixed window and did not say how bursts "
    "at the window boundary are handled.'"
)
NO_SUGGESTION_MESSAGE = (
    "This point does not say what would have been stronger. 'Do better' or 'improve' gives the "
    "candidate nothing to work on."
)
NO_SUGGESTION_SUGGESTION = (
    "Name what a stronger answer would have done, e.g. 'A stronger answer would compare a sliding "
    "window or a token bucket.'"
)


def check_point(observation: str, suggestion: str, *, extra_rules=(), names=()) -> dict[str, list[Finding]]:
    """Findings for one feedback point: {"observation": [...], "suggestion": [...]}.

    Phrase findings in each field (including the point-only rules, e.g. a
    reason that only restates the decision), plus ``no_observation`` /
    ``no_suggestion`` (start = end = 0) when a field is empty or has no
    concrete content once flagged phrases are set aside.
    """
    extra = tuple(extra_rules)
    observation = observation or ""
    suggestion = suggestion or ""
    obs_findings = _phrase_findings(observation, extra, (SCOPE_TEXT, SCOPE_POINT), names)
    sug_findings = _phrase_findings(suggestion, extra, (SCOPE_TEXT, SCOPE_POINT), names)
    if not observation_is_concrete(observation, obs_findings):
        obs_findings.insert(
            0, Finding(NO_OBSERVATION, 0, 0, "", NO_OBSERVATION_MESSAGE, NO_OBSERVATION_SUGGESTION)
        )
    if not suggestion_is_concrete(suggestion, sug_findings):
        sug_findings.insert(
            0, Finding(NO_SUGGESTION, 0, 0, "", NO_SUGGESTION_MESSAGE, NO_SUGGESTION_SUGGESTION)
        )
    return {"observation": obs_findings, "suggestion": sug_findings}


def rules_from_db() -> list[Rule]:
    """The admin's active ``Phrase`` rows as rules (patterns escaped; only ``*`` is special)."""
    from feedback.models import Phrase

    rows = Phrase.objects.filter(active=True).order_by("category", "pattern", "pk")
    return [
        Rule(
            category=row.category,
            pattern=row.pattern,
            message=row.message,
            suggestion=row.suggestion,
            literal=True,
            name=f"phrase:{row.pk}",
        )
        for row in rows
        if _has_word_char(row.pattern)
    ]


def check_text_with_db(text: str, *, names=()) -> list[Finding]:
    """``check_text`` with the admin's phrases (one query)."""
    return check_text(text, extra_rules=rules_from_db(), names=names)


def highlight(text: str, findings) -> SafeString:
    """``text`` HTML-escaped, with each finding wrapped in a <mark>.

    Overlapping findings merge into one <mark> carrying every category's class
    and message. Each mark ends with a visually hidden label, so the flag is
    not colour-only: "(flagged: boilerplate)", or "(advisory: boilerplate)" when
    every finding in the mark is advisory (its mark also gets ``finding-advisory``).
    Newlines are kept (show it in a white-space: pre-wrap box). Findings without a
    span (no_observation, no_suggestion) are not marked.
    """
    spans = sorted(
        (f for f in findings if 0 <= f.start < f.end <= len(text)),
        key=lambda f: (f.start, f.end),
    )
    clusters: list[list] = []  # [start, end, [findings]]
    for finding in spans:
        if clusters and finding.start < clusters[-1][1]:
            clusters[-1][1] = max(clusters[-1][1], finding.end)
            clusters[-1][2].append(finding)
        else:
            clusters.append([finding.start, finding.end, [finding]])
    out = []
    pos = 0
    for start, end, members in clusters:
        out.append(escape(text[pos:start]))
        categories = list(dict.fromkeys(f.category for f in members))
        messages = list(dict.fromkeys(f.message for f in members))
        advisory = not any(getattr(f, "blocking", True) for f in members)
        classes = (
            ["finding"] + [f"finding-{c}" for c in categories] + (["finding-advisory"] if advisory else [])
        )
        out.append(
            format_html(
                '<mark class="{}" title="{}">{}<span class="visually-hidden"> ({}: {})</span></mark>',
                " ".join(classes),
                " / ".join(messages),
                text[start:end],
                "advisory" if advisory else "flagged",
                ", ".join(CATEGORY_LABELS.get(c, c) for c in categories),
            )
        )
        pos = end
    out.append(escape(text[pos:]))
    # Every piece above is escaped or built by format_html.
    return mark_safe("".join(out))  # nosec B308 B703
