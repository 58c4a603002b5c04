"""Which language a piece of feedback is written in: a small offline identifier for en, de, fr, es,
nl, it and pt, from stop-word profiles (Candor's own, nothing downloaded).

The quality check covers the languages it has phrase lists (and a sentence model) for; a
paragraph in any other language is reported as "Not checked: written in German", so nobody
believes it was checked (``feedback.quality.check``).

How it decides (``identify``): the words of a text are looked up in seven lists of the most
frequent function words of each language (articles, pronouns, auxiliaries, prepositions,
conjunctions). A word found in several lists counts for each of them in proportion (1/n). A
few letters only one language writes (ß, ñ, ã...) add a little. The language with the highest
score wins when its score is at least 2 and clearly ahead of the next (1.5 times). Texts of
fewer than ``MIN_WORDS`` words ("Dear Sam,", "Kind regards,") are too short to tell and give
``None``; so does a longer text with almost no function word of any of the seven languages
(a list of technical terms), unless it has at least ``MIN_WORDS_UNKNOWN`` words of which
fewer than 1 in 20 are English function words, which gives ``"und"``: written in a language
the identifier does not know.

``segments`` splits a text into paragraphs (blank lines, list items) and tells the language of
each, so an English letter with one paragraph pasted in German gets that paragraph reported,
not the whole letter. Short paragraphs take the text's main language. ``sentence_segments``
then reads each sentence of a paragraph in its own language when it clearly has one (an
English question inside a German paragraph), else in the paragraph's. E-mail addresses, links
and domain names are left out when short pieces and sentences are identified: a name or an
address alone has no language of its own.

Pure, no Django, a few microseconds per paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "lang-2"  # 2: sentences read in their own language; addresses ignored

NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "nl": "Dutch",
    "it": "Italian",
    "pt": "Portuguese",
    "und": "a language the check does not know",
}

# Function words, lower case, apostrophes straight. Chosen for frequency in letters and
# feedback; words that are common in English texts for other reasons (names, loan words)
# are left out of the other lists.
_STOP_WORDS = {
    "en": """
        the a an and or but of to in on at for with from by about as into than then that this
        these those there here is are was were be been being am has have had having do does did
        done not no nor you your yours yourself we our us they their them he his him she her it its
        i me my which who whom whose what when where why how if while because so would could
        should will can may might must shall also very more most just only some any each every
        other such own same too again further once after before during until against between
        through over under did didn't don't doesn't wasn't weren't isn't aren't won't can't
        couldn't wouldn't shouldn't haven't hasn't hadn't we're you're they're it's i'm let's
        thank thanks please regards dear
    """,
    "de": """
        der die das den dem des und oder aber nicht kein keine keinen ist sind war waren sein
        wird werden wurde wurden hat haben hatte hatten ich du er sie es wir ihr ihnen ihre ihren
        ihrem ihrer uns unser unsere unseren mit zu zum zur von vom bei beim auf aus für über
        unter nach vor wie wenn dass weil auch noch nur sehr schon dann doch ein eine einen
        einem einer eines sich diese dieser dieses diesen im ins am um gegen ohne können konnten
        sollten würde würden hätten wäre leider vielen dank freundlichen grüßen grüße sehr
        geehrte geehrter liebe lieber bewerbung
    """,
    "fr": """
        le la les un une des du de et ou mais ne pas est sont était étaient être été avez avons
        ont avait vous nous ils elles il elle je tu votre vos notre nos leur leurs ce cette ces
        cet qui que quoi dont où dans pour avec sur sous par sans chez plus très aussi comme
        lors si au aux ni se sa son ses mon ma mes merci cordialement madame monsieur
        candidature malheureusement n'avez n'est c'est qu'il d'un d'une l'entretien
    """,
    "es": """
        el la los las un una unos unas y o pero no es son fue fueron ser está están estaba ha
        han hemos había usted ustedes nosotros ellos ellas él ella yo su sus nuestro nuestra
        nuestros nuestras de del al que en para con por sin sobre entre muy también como cuando
        donde porque pero más lo le les se nos mi mis gracias saludos estimado estimada
        candidatura lamentablemente desafortunadamente
    """,
    "nl": """
        de het een en of maar niet geen is zijn was waren wordt worden werd hebben heeft had
        hadden u uw wij we ons onze jullie je jouw jij hij zij ze ik mijn van dat die dit deze
        met voor op te aan in bij naar om uit over onder door ook nog wel al dan als er zich
        graag hartelijk dank bedankt groeten vriendelijke beste geachte sollicitatie helaas
    """,
    "it": """
        il lo la i gli le un una uno e o ma non è sono era erano essere stato stata ha hanno
        abbiamo aveva lei voi noi loro lui io suo sua suoi sue nostro nostra vostro vostra di
        del dello della dei degli delle che in per con su tra fra nel nella nei sul sulla al
        alla ai molto anche come quando dove perché più ci si mi ti grazie cordiali saluti
        gentile candidatura purtroppo
    """,
    "pt": """
        o a os as um uma uns umas e ou mas não é são foi foram ser está estão estava tem têm
        temos tinha você vocês nós eles elas ele ela eu seu sua seus suas nosso nossa de do da
        dos das que em no na nos nas para com por sem sobre entre muito também como quando onde
        porque mais ao aos se lhe obrigado obrigada atenciosamente prezado prezada candidatura
        infelizmente
    """,
}
STOP_WORDS: dict[str, frozenset[str]] = {
    code: frozenset(words.split()) for code, words in _STOP_WORDS.items()
}
LANGUAGES = tuple(STOP_WORDS)

# Each word's weight per language: 1 / (how many lists hold it).
_WEIGHTS: dict[str, dict[str, float]] = {}
for _code, _words in STOP_WORDS.items():
    for _word in _words:
        _WEIGHTS.setdefault(_word, {})[_code] = 0.0
for _word, _langs in _WEIGHTS.items():
    for _code in _langs:
        _langs[_code] = 1.0 / len(_langs)

# Letters only one of the languages writes: a small bonus each (capped).
_LETTERS = {
    "de": "äöüß",
    "es": "ñ¿¡",
    "pt": "ãõ",
    "fr": "œèêëîïûùç",
}
_LETTER_BONUS = 0.5
_LETTER_BONUS_MAX = 2.0

MIN_WORDS = 5  # fewer words than this: too short to tell
MIN_SCORE = 2.0  # the winner needs at least this score...
MARGIN = 1.5  # ...and this many times the runner-up's
MIN_WORDS_UNKNOWN = 12  # a text this long with (almost) no English function word is "und"

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


@dataclass(frozen=True)
class Identification:
    """``code``: a language code of ``LANGUAGES``, ``"und"`` (none of them) or None (cannot tell).

    ``confidence`` (0..1): the winner's share of the scores (1.0 when only it scored).
    """

    code: str | None
    confidence: float
    words: int


def _words(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    if "\u2019" not in text:
        return words
    return [w.replace("\u2019", "'") for w in words]


# Each word's (language index, weight) pairs, in the order of ``_WEIGHTS[word]``: the same
# additions in the same order as a dict walk, so the scores are bit for bit the same.
_WEIGHT_ROWS: dict[str, tuple[tuple[int, float], ...]] = {
    word: tuple((LANGUAGES.index(code), weight) for code, weight in langs.items())
    for word, langs in _WEIGHTS.items()
}


def identify(text: str) -> Identification:
    """The language ``text`` is written in (see the module docstring for the rule)."""
    words = _words(text)
    if len(words) < MIN_WORDS:
        return Identification(None, 0.0, len(words))
    totals = [0.0] * len(LANGUAGES)
    for row in filter(None, map(_WEIGHT_ROWS.get, words)):
        for index, weight in row:
            totals[index] += weight
    scores = dict(zip(LANGUAGES, totals, strict=True))
    lowered = text.lower()
    ascii_only = lowered.isascii()  # then no language's own letters: every bonus is 0.0
    for code, letters in _LETTERS.items():
        count = 0 if ascii_only else sum(lowered.count(letter) for letter in letters)
        scores[code] += min(_LETTER_BONUS_MAX, count * _LETTER_BONUS)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_second, second_score) = ranked[0], ranked[1]
    total = sum(scores.values())
    if best_score >= MIN_SCORE and best_score >= MARGIN * second_score:
        return Identification(best, round(best_score / total, 3) if total else 0.0, len(words))
    if len(words) >= MIN_WORDS_UNKNOWN and scores["en"] < 0.05 * len(words) and best_score < MIN_SCORE:
        return Identification("und", 1.0, len(words))
    return Identification(None, 0.0, len(words))


@dataclass(frozen=True)
class Segment:
    """A stretch of a text (``text[start:end]``) and its language (None: the text's own)."""

    start: int
    end: int
    code: str | None
    confidence: float


# Paragraph breaks: a blank line, or a new list item / line that ends the previous sentence.
_PARAGRAPH = re.compile(r"\n[ \t]*\n+|\n(?=[ \t]*(?:[-*\u2022]|\d{1,2}[.)])\s)")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for match in _PARAGRAPH.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    out = []
    for start, end in spans:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            out.append((start + lead, start + trail))
    return out


# E-mail addresses, links and domain names ("evil@example.com", "https://…", "example.com"):
# not words of any language ("com" is Portuguese for "with"), so they are left out when a short
# piece or a sentence is identified.
_ADDRESS = re.compile(r"\S*(?:@|://)\S*|\bwww\.\S+|\b[^\W\d_]+(?:\.[^\W\d_]+)+\b")


def _without_addresses(text: str) -> str:
    return _ADDRESS.sub(" ", text) if ("@" in text or "." in text or "/" in text) else text


def _codes(text: str) -> set[str]:
    """The languages whose function words ``text`` uses (addresses left out)."""
    return {code for word in _words(_without_addresses(text)) for code in _WEIGHTS.get(word, {})}


def _mostly_names(text: str) -> bool:
    """Whether most words of ``text`` (addresses left out) start with a capital: names, places,
    company names, as in a signature or an address block."""
    words = _WORD.findall(_without_addresses(text))
    return bool(words) and 2 * sum(1 for w in words if w[0].isupper()) >= len(words)


def _short(text: str) -> str | None:
    """The language of a short piece, when its function words belong to one language only (a
    name, a heading or an address alone has none: None, so it takes the text's language)."""
    codes = _codes(text)
    return codes.pop() if len(codes) == 1 else None


def _scores(text: str) -> dict[str, float]:
    """Each language's share of ``text``'s function words (each word's weight, 1/n)."""
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _words(_without_addresses(text)):
        for code, weight in _WEIGHTS.get(word, {}).items():
            scores[code] += weight
    return scores


# A sentence is read in another language X than its paragraph's P when it has less than one
# function word of P, or at least ``OWN_SENTENCE_RATIO`` times as many of X as of P (a German
# sentence in an English paragraph may use "an"; an English one, "die").
OWN_SENTENCE_MAX_SCORE = 1.0
OWN_SENTENCE_RATIO = 3.0
# A sentence too short for ``identify`` is read in X when X has at least one function word in
# it and ``MARGIN`` times the runner-up's ("Are you pregnant?", "Zu alt.").
SHORT_SENTENCE_MIN_SCORE = 1.0


def sentence_language(sentence: str, paragraph: str | None, *, cache: dict | None = None) -> str | None:
    """The language one sentence is read in, inside a paragraph read in ``paragraph``.

    The sentence's own language X is the identifier's (``identify``, addresses left out) or,
    for a sentence too short to tell, the language with at least one function word in it
    (``SHORT_SENTENCE_MIN_SCORE``) and ``MARGIN`` times the next one's ("Are you pregnant?"
    is English, "Zu alt." German), read in X only when it has no function word of the
    paragraph's language. A sentence the identifier tells is read in X when it has less than
    one function word of the paragraph's language, or three times as many of X's
    (``OWN_SENTENCE_MAX_SCORE``, ``OWN_SENTENCE_RATIO``): "Do you have plans to start a
    family soon?" in a German paragraph is English. Otherwise, and for a name, an
    address or a heading (no function word), the paragraph's. "und" (no language the
    identifier knows) is never a sentence's own verdict. Returns a code, or ``paragraph``.
    """
    return _sentence_language(sentence, paragraph, cache)[0]


def _sentence_language(sentence: str, paragraph: str | None, cache: dict | None) -> tuple[str | None, float]:
    if cache is None:
        found = _own_language(sentence)
    else:
        key = ("sentence-language", sentence)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _own_language(sentence)
    code, identified, confidence, scores = found
    if code is None or code == paragraph:
        return paragraph, 0.0
    theirs = scores.get(paragraph, 0.0) if paragraph else 0.0
    if not identified:  # too short to tell: only without any function word of the paragraph's
        return (code, confidence) if theirs == 0.0 else (paragraph, 0.0)
    if theirs < OWN_SENTENCE_MAX_SCORE or scores[code] >= OWN_SENTENCE_RATIO * theirs:
        return code, confidence
    return paragraph, 0.0


def _own_language(sentence: str) -> tuple[str | None, bool, float, dict[str, float]]:
    """(X or None, whether the identifier told it, its confidence, the function-word scores)."""
    ident = identify(_without_addresses(sentence))
    scores = _scores(sentence)
    if ident.code is not None and ident.code != "und":
        return ident.code, True, ident.confidence, scores
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_second, second_score) = ranked[0], ranked[1]
    if best_score >= SHORT_SENTENCE_MIN_SCORE and best_score >= MARGIN * second_score:
        return best, False, 0.0, scores
    return None, False, 0.0, scores


def undetermined(sentence: str) -> bool:
    """Whether ``sentence`` says nothing about its language: too short for ``identify`` and
    without a function word of any language ("Pregnant?", "Alice Ito", "Feedback")."""
    return identify(_without_addresses(sentence)).code is None and not _codes(sentence)


def sentence_segments(
    text: str,
    paragraphs: list[Segment],
    sentences: list[tuple[int, int]],
    *,
    cache: dict | None = None,
) -> list[Segment]:
    """The stretches of ``text`` by language, sentence by sentence (``sentence_language``).

    ``paragraphs``: ``segments(text)`` with every code filled in (the check's fallback for
    None); ``sentences``: the sentence spans (``classifier.split_sentences``). A paragraph
    whose sentences are all read in its language stays one segment, as ``segments`` gave it;
    in the others each sentence is a segment of its language (from its start to its end).
    Consecutive segments of one language are merged.
    """
    out: list[Segment] = []
    index = 0
    for para in paragraphs:
        inside = []
        while index < len(sentences) and sentences[index][0] < para.end:
            if sentences[index][0] >= para.start:
                inside.append(sentences[index])
            index += 1
        pieces = [(para.start, para.end, para.code, para.confidence)]
        if len(inside) > 1 or (inside and inside[0] != (para.start, para.end)):
            read = [(a, b, *_sentence_language(text[a:b], para.code, cache)) for a, b in inside]
            if any(code != para.code for _a, _b, code, _c in read):
                pieces = [
                    (a, b, code, para.confidence if code == para.code else confidence)
                    for a, b, code, confidence in read
                ]
        for a, b, code, confidence in pieces:
            if out and out[-1].code == code:
                last = out[-1]
                out[-1] = Segment(last.start, max(last.end, b), code, max(last.confidence, confidence))
            else:
                out.append(Segment(a, b, code, confidence))
    return out


def segments(text: str, *, cache: dict | None = None) -> list[Segment]:
    """The paragraphs of ``text`` with their languages, consecutive ones of one language merged.

    A paragraph too short to tell takes the one language whose function words it uses ("Dear
    Sam," and "Kind regards," are English, "Liebe Sam," German), else the text's main
    language: the one most of its words are in, paragraph by paragraph (``None`` when no
    paragraph could be told, which the check reads as its default language).

    ``cache``: a dict shared by the texts of a batch, so each distinct paragraph is identified
    once; the result is the same without it.
    """
    paragraphs = _paragraphs(text)
    if not paragraphs:
        return []
    if cache is None:
        found = [identify(text[a:b]) for a, b in paragraphs]
    else:  # a batch's memo: each distinct paragraph identified once (identify is pure)
        found = []
        for a, b in paragraphs:
            key = ("language", text[a:b])
            ident = cache.get(key)
            if ident is None:
                ident = cache[key] = identify(text[a:b])
            found.append(ident)
    # A block of names and addresses (a signature: "Alice Ito / Acme GmbH / Hauptstraße 5 /
    # 10115 Berlin") has no function word either, but it is not text in an unknown language.
    found = [
        Identification(None, 0.0, ident.words) if ident.code == "und" and _mostly_names(text[a:b]) else ident
        for (a, b), ident in zip(paragraphs, found, strict=True)
    ]
    weight: dict[str, int] = {}
    for ident in found:
        if ident.code is not None:
            weight[ident.code] = weight.get(ident.code, 0) + ident.words
    main = max(sorted(weight), key=weight.__getitem__) if weight else None
    out: list[Segment] = []
    for (start, end), ident in zip(paragraphs, found, strict=True):
        if ident.code is not None:
            code, confidence = ident.code, ident.confidence
        else:
            code, confidence = _short(text[start:end]) or main, 0.0
        if out and out[-1].code == code:
            last = out[-1]
            out[-1] = Segment(last.start, end, code, max(last.confidence, confidence))
        else:
            out.append(Segment(start, end, code, confidence))
    return out


def language_name(code: str | None) -> str:
    """English name of a language code ("de" -> "German"); the code itself when unknown."""
    if code is None:
        return "English"
    return NAMES.get(code, code)
