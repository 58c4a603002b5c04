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

from feedback.quality import subjects

DATA_FILE = Path(__file__).resolve().parent / "phrases.json"

BOILERPLATE = "boilerplate"
PERSONAL_ATTRIBUTE = "personal_attribute"
NO_OBSERVATION = "no_observation"
NO_SUGGESTION = "no_suggestion"
MERGE_FIELD = "merge_field"
NOT_CHECKED = "not_checked"
CATEGORIES = (BOILERPLATE, PERSONAL_ATTRIBUTE, NO_OBSERVATION, NO_SUGGESTION, MERGE_FIELD, NOT_CHECKED)
CATEGORY_LABELS = {
    BOILERPLATE: "boilerplate",
    PERSONAL_ATTRIBUTE: "personal attribute",
    NO_OBSERVATION: "no concrete observation",
    NO_SUGGESTION: "no concrete suggestion",
    MERGE_FIELD: "leftover merge field",
    NOT_CHECKED: "not checked",
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

    category: (
        str  # boilerplate | personal_attribute | no_observation | no_suggestion | merge_field | not_checked
    )
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


@functools.cache
def _load_data() -> dict:
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


@functools.cache
def builtin_rules() -> tuple[Rule, ...]:
    """The built-in phrase lists, in file order (earlier patterns win at the same position)."""
    data = _load_data()
    rules = []
    for group in data["groups"]:
        for entry in group["patterns"]:
            pattern, about = (entry, "") if isinstance(entry, str) else (entry["pattern"], entry["about"])
            if about and about not in subjects.KINDS:
                raise ValueError(f"phrases.json: unknown 'about' {about!r} for {pattern!r}")
            rules.append(
                Rule(
                    category=group["category"],
                    pattern=pattern,
                    message=group["message"],
                    suggestion=group.get("suggestion", ""),
                    scope=group.get("scope", SCOPE_TEXT),
                    name=group["id"],
                    about=about,
                )
            )
    return tuple(rules)


def phrases_version() -> str:
    """The version of the built-in phrase lists (record it with an override, for instance)."""
    return _load_data()["version"]


def phrases_language() -> str:
    """The language code of the built-in phrase lists (``"en"``)."""
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
        found = subjects.holder(
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
def _builtin(scope: str) -> tuple[Rule, ...]:
    return tuple(r for r in builtin_rules() if r.scope == scope)


@functools.cache
def _builtin_index(scope: str, ignorecase: bool) -> _Index:
    # Keyed by the scope name: hashing hundreds of rules on every call would cost more than a scan.
    return _compile(_builtin(scope), ignorecase)


def _dedupe_sorted(findings: list[Finding]) -> list[Finding]:
    seen = set()
    unique = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end, CATEGORIES.index(f.category))):
        key = (finding.category, finding.start, finding.end)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _phrase_findings(text: str, extra_rules, scopes: tuple[str, ...], names=()) -> list[Finding]:
    if not text:
        return []
    folded = _fold(text)
    name_set = frozenset(n.lower() for n in names if n)

    def accept(rule, start, end):
        return _finding(text, rule, start, end, name_set)

    findings = []
    for scope in scopes:
        findings += _scan(text, folded, functools.partial(_builtin_index, scope), accept)
    extra = tuple(extra_rules)
    if extra:
        findings += _scan(text, folded, functools.partial(_compile, extra), accept)
    return _dedupe_sorted(findings)


# --- Public API --------------------------------------------------------------------------------------


def check_text(text: str, *, extra_rules=(), names=()) -> list[Finding]:
    """Boilerplate and personal-attribute findings of the phrase lists in ``text``, sorted by start.

    Pure. ``names``: the candidate's names (so "Rosa's accent" is about the candidate).
    Protected-characteristic words that describe someone or something else are left out;
    those whose holder the sentence does not say are advisory (``blocking=False``).
    """
    return _phrase_findings(text, extra_rules, (SCOPE_TEXT,), names)


def phrase_findings(text: str, *, extra_rules=(), names=(), point: bool = False) -> list[Finding]:
    """``check_text``, or with ``point=True`` also the point-only rules (``check_point`` without
    the concreteness findings). The English pack of ``feedback.quality.check`` calls this."""
    scopes = (SCOPE_TEXT, SCOPE_POINT) if point else (SCOPE_TEXT,)
    return _phrase_findings(text, extra_rules, scopes, names)


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
