"""The bulk check's memo changes no result (issue 11: 10,000 letters in seconds).

``Checker.check_texts`` reads each distinct sentence piece, paragraph, block and sentence once
per batch (``memo=True``, the default). ``Checker(memo=False)`` is the path without any memo,
the one that existed before; these tests run both on seeded letters and on texts made to hit
the edge cases of the piece scan, and ask for identical findings, confidences and order. The
language identifier's faster scoring is compared with the former code, kept here.
"""

from __future__ import annotations

import random
import re

import pytest

from devtools.bench.quality import make_letters
from feedback.quality import check, classifier, languages, rules
from feedback.quality.check import Addressee, Checker

NAMES = ["Sam Patel", "Rosa Díaz", "Smith, John", "Wei Chen", "", "Amara O’Brien", "Jonas Berg"]

EDGE_TEXTS = [
    "Dear ,\n\nDear Dr.,\nHi Sam,,\nDear Smith,\nThanks, {{name}} and [First Name].",
    "Mr. Young was your interviewer. You are young. Ms. Young, the patient, was young.",
    "We will keep your c.v. on file. We'll keep your C.V. on file!",
    "You graduated in B.Sc. Hons. 1998 and then... you graduated in 2001.",
    "You are single. Are you single? She is single, and he is married.",
    "Rosa’s accent. Rosa's accent. The patient’s accent… your accent!",
    "ΣΊΣΥΦΟΣ said you’re too old. İstanbul is your home… you seem nervous!",
    "e.g. culture\nfit. Culture-fit! culture fit? at this time.At this time",
    "You are pregnant.\n\n\nYou have  a   disability. The pregnant patient was young.",
    "Other candidates who had more experience... were chosen. Other candidates had more.",
    "- You are too old.\n- You have young children.\n1. Culture fit.\n2) Your religion?",
    "Your age. Your age! Your age? Your age… your age",
    "Sind Sie schwanger? Ihr Akzent war stark. Andere Bewerber passten besser.\n\n"
    "Sie haben die schwangere Patientin nicht nach ihrer Medikation gefragt.",
    "Vous êtes trop âgé. La patiente enceinte n'a pas été interrogée. D'autres candidats ont été retenus.",
    "¿Está usted embarazada? La paciente embarazada no fue atendida. Otros candidatos encajaban mejor.",
    "Abbiamo deciso di non procedere con la sua candidatura perché le risposte erano troppo generiche.",
    "",
    "   ",
    ".",
    "...!?",
]


def _letters(n: int = 400) -> tuple[list[str], list[Addressee]]:
    letters = make_letters(n, seed=29) + EDGE_TEXTS
    rng = random.Random(7)
    addressees = [
        Addressee(name=rng.choice(NAMES), preferred_name=rng.choice(["", "Sammy", "Rosa"])) for _ in letters
    ]
    return letters, addressees


def _as_tuples(findings):
    return [tuple(f.__dict__.values()) for f in findings]


def test_the_memo_changes_no_finding_confidence_or_order():
    letters, addressees = _letters()
    fast = Checker(extra_rules=()).check_texts(letters, addressees=addressees)
    slow = Checker(extra_rules=(), memo=False).check_texts(letters, addressees=addressees)
    assert [_as_tuples(f) for f in fast] == [_as_tuples(f) for f in slow]
    assert sum(len(f) for f in fast) > 1000  # the letters do have findings to compare


def test_the_memo_changes_no_finding_of_feedback_points_or_with_hr_phrases():
    letters, _ = _letters(120)
    points = list(zip(letters[::2], letters[1::2], strict=False))
    extra = tuple(
        rules.Rule("boilerplate", pattern, "HR's phrase.", literal=True, name=f"phrase:{i}")
        for i, pattern in enumerate(["keep in touch", "c.v. on file", "too old*", "e.g."])
    )
    addressee = Addressee(name="Rosa Díaz")
    fast = Checker(extra_rules=extra).check_points(points, addressee=addressee)
    slow = Checker(extra_rules=extra, memo=False).check_points(points, addressee=addressee)
    assert [{k: _as_tuples(v) for k, v in d.items()} for d in fast] == [
        {k: _as_tuples(v) for k, v in d.items()} for d in slow
    ]


@pytest.mark.parametrize("language", rules.phrase_languages())
def test_each_language_s_lists_scan_piece_by_piece_with_the_same_findings(language):
    assert rules._builtin_split("text", language) is not None  # the fast path is really used
    letters, addressees = _letters(150)
    cache: dict = {}
    for text, addressee in zip(letters, addressees, strict=True):
        for point in (False, True):
            kwargs = {"names": addressee.names, "point": point, "language": language}
            assert rules.phrase_findings(text, cache=cache, **kwargs) == rules.phrase_findings(text, **kwargs)


def test_sentences_and_language_segments_are_the_same_with_the_batch_memo():
    letters, _ = _letters(200)
    memo: dict = {}
    for text in letters:
        assert classifier.split_sentences(text, cache=memo) == classifier.split_sentences(text)
        assert languages.segments(text, cache=memo) == languages.segments(text)


def _identify_before(text: str) -> languages.Identification:
    """``languages.identify`` as it was before it was made faster (the reference)."""
    words = [w.replace("\u2019", "'") for w in languages._WORD.findall(text.lower())]
    if len(words) < languages.MIN_WORDS:
        return languages.Identification(None, 0.0, len(words))
    scores = dict.fromkeys(languages.LANGUAGES, 0.0)
    for word in words:
        for code, weight in languages._WEIGHTS.get(word, {}).items():
            scores[code] += weight
    lowered = text.lower()
    for code, letters in languages._LETTERS.items():
        count = sum(lowered.count(letter) for letter in letters)
        scores[code] += min(languages._LETTER_BONUS_MAX, count * languages._LETTER_BONUS)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_second, second_score) = ranked[0], ranked[1]
    total = sum(scores.values())
    if best_score >= languages.MIN_SCORE and best_score >= languages.MARGIN * second_score:
        return languages.Identification(best, round(best_score / total, 3) if total else 0.0, len(words))
    if (
        len(words) >= languages.MIN_WORDS_UNKNOWN
        and scores["en"] < 0.05 * len(words)
        and best_score < languages.MIN_SCORE
    ):
        return languages.Identification("und", 1.0, len(words))
    return languages.Identification(None, 0.0, len(words))


def test_the_language_identifier_gives_what_it_gave_before():
    letters, _ = _letters(200)
    paragraphs = [p for text in letters for p in re.split(r"\n\s*\n", text)]
    rng = random.Random(3)
    words = [w for p in paragraphs for w in p.split()]
    # Mixed-up word soups hit the ties and margins that real paragraphs rarely do.
    soups = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 40))) for _ in range(2000)]
    for text in paragraphs + soups + EDGE_TEXTS:
        assert languages.identify(text) == _identify_before(text), text


def test_greeting_checks_read_only_the_lines_that_can_match(monkeypatch):
    letters, addressees = _letters(200)
    extra = [
        "Dear ,\nHello ,\nGood morning  ,\nDear Mr.,\nDear Prof ,\nHi Ada,  ,\nHey Sam,,\n",
        "Dear\tDr. ,\n  dear ,  and hi , and Dear Ms., Good evening,,",
        "Dear Ada,\n\nThanks, truly, for it; hi ,",
        "Dear Smith,\n\nHi John,\nDear Sammy,",
    ]
    texts = letters + extra
    people = addressees + [
        None,
        Addressee(name="Smith, John"),
        Addressee(name="Sam Patel"),
        Addressee("Sam", "Sammy"),
    ]
    fast = [_as_tuples(check.merge_field_findings(t, a)) for t, a in zip(texts, people, strict=True)]
    # Before: every pattern over the whole text.
    monkeypatch.setattr(check, "_greeting_lines", lambda text, lowered: [(0, len(text))])
    slow = [_as_tuples(check.merge_field_findings(t, a)) for t, a in zip(texts, people, strict=True)]
    assert fast == slow
    assert sum(map(len, fast)) >= 10
