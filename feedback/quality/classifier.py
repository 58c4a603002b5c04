"""Sentence classifier for the feedback quality check: boilerplate, personal attribute or fine.

It runs beside the phrase lists (``feedback/quality/rules.py``) and decides, for each
sentence of a letter, a feedback point or an answer, whether it is

- ``"boilerplate"``: generic wording that tells the candidate nothing ("other
  candidates were a closer match", "it just didn't click", "we'll keep your CV on file");
- ``"personal"``: a remark about a personal attribute or a protected characteristic
  (age, family, health, accent, religion, looks, personality labels...);
- ``"fine"``: specific, job-related feedback or a courtesy line ("Thank you for...").

Everything is offline: the model files sit in ``feedback/quality/model/`` and their
SHA-256 digests are checked against ``MANIFEST.json`` when a language model is first
loaded. Nothing is downloaded, ever.

The model (see ``devtools/quality/README.md``): the lower-cased text is tokenised with
the Llama-2 BPE tokenizer shipped by ``wordllama`` (a copy of the file, hash-pinned, lives
in the model folder); a sentence scores

    logit[c] = bias[c] + mean_t emb_table[tok_t, c]
                       + sum_t uni[tok_t, c] + sum_t bi[hash(tok_t, tok_t+1), c]

where ``emb_table`` is the WordLlama static embedding (l2_supercat, 256 dimensions)
multiplied by a trained linear head, and ``uni``/``bi`` are trained weights of token
unigrams and hashed token bigrams. Softmax over the internal classes (boilerplate,
personal, specific, courtesy) gives the probabilities; specific + courtesy = fine.
Each lookup is a row gather, so a batch of sentences costs a few numpy operations.

Public API (no Django, no database; safe to call from any thread):

- ``split_sentences(text) -> list[tuple[int, int]]``: character spans of the sentences.
- ``classify(sentences, *, language="en") -> list[Prediction]``: one prediction per sentence.
- ``classify_text(text, *, language="en") -> list[SentencePrediction]``: split + classify.
- ``classify_texts(texts, *, language="en") -> list[list[SentencePrediction]]``: bulk, batched.
- ``available_languages() -> set[str]``, ``thresholds(language) -> dict``,
  ``model_version(language) -> str`` and the module constant ``MODEL_VERSION``.
- ``ClassifierUnavailable`` (and its subclass ``LanguageNotAvailable``) when the model
  cannot be used: files missing, a hash differs, or no model for that language.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_DIR = Path(__file__).resolve().parent / "model"
MANIFEST_NAME = "MANIFEST.json"
MANIFEST_FORMAT = 1

BOILERPLATE = "boilerplate"
PERSONAL = "personal"
FINE = "fine"
LABELS = (BOILERPLATE, PERSONAL, FINE)
FLAG_LABELS = (BOILERPLATE, PERSONAL)

BLOCK = "block"
ADVISORY = "advisory"

# The feature scheme this code computes; a manifest written for another scheme is refused.
FEATURE_SCHEME = "wordllama-mean+token-uni-bi/1"

# Internal classes of the model and the public label each one maps to.
CLASS_TO_LABEL = {"boilerplate": BOILERPLATE, "personal": PERSONAL, "specific": FINE, "courtesy": FINE}

# Sentences are classified in chunks of this many, which bounds memory in bulk runs.
_CHUNK = 4096
# A sentence longer than this many characters is classified on its first _MAX_CHARS
# characters only (a run-on paragraph without full stops).
_MAX_CHARS = 2000


class ClassifierUnavailable(RuntimeError):
    """The classifier cannot run: a model file is missing or altered, or a package is missing."""


class LanguageNotAvailable(ClassifierUnavailable):
    """There is no model for the requested language (see ``available_languages()``)."""


@dataclass(frozen=True)
class Prediction:
    """The verdict on one sentence.

    - ``label``: ``"boilerplate"``, ``"personal"`` or ``"fine"``. A sentence is flagged when
      its probability of not being fine (``flag_probability``, boilerplate + personal)
      reaches the model's advisory threshold; it then gets the more probable of the two
      flag labels. Otherwise it is ``"fine"``.
    - ``confidence``: probability (0..1) of ``label``, i.e. ``probabilities[label]``.
    - ``probabilities``: probability (0..1) of each of the three labels; they sum to 1
      (each rounded to 6 decimals).
    - ``level``: ``"block"`` when ``flag_probability`` reaches the blocking threshold (a
      confident finding: the checker may block approval), ``"advisory"`` when it reaches
      only the advisory threshold (show it, do not block), ``None`` when fine.
    """

    label: str
    confidence: float
    probabilities: dict[str, float] = field(hash=False)
    level: str | None = None

    @property
    def flagged(self) -> bool:
        return self.label != FINE

    @property
    def flag_probability(self) -> float:
        """Probability (0..1) that the sentence is not fine: boilerplate + personal."""
        return round(self.probabilities[BOILERPLATE] + self.probabilities[PERSONAL], 6)


@dataclass(frozen=True)
class SentencePrediction:
    """A sentence of a text with its prediction; ``text[start:end] == sentence``."""

    start: int  # character offset into the checked text (Python str index)
    end: int
    sentence: str
    prediction: Prediction


# --- Sentence splitting --------------------------------------------------------------------------

# Abbreviations after which a full stop never ends a sentence (lower case, without the last dot).
_NEVER_END = frozenset(
    (
        "e.g i.e eg ie cf vs viz approx ca dr mr mrs ms mx prof rev st mt sgt capt col gen lt dept "
        "incl esp resp"
    ).split()
)
# Abbreviations that stand before a number ("No. 3", "p. 12"): no sentence end before a digit.
_BEFORE_NUMBER = frozenset("no nos p pp fig figs sec ch vol ref tel ext art para".split())
# Abbreviations that end a sentence only when a capitalised word follows ("etc. The", "Ltd. We").
_MAYBE_END = frozenset("etc inc ltd co corp plc llc bros al am pm jr sr min max est".split())

_BULLET = re.compile(
    r"""[ \t]*(?:
        [-*+\u2022\u2023\u2043\u2219\u25aa\u25cf\u25e6\u25a0\u25a1\u2013\u2014\u00b7>]+   # - * • ▪ – > ...
      | \(?(?:\d{1,3}|[a-z]|[ivx]{1,5}|[A-Z](?=\)))[.)](?=[ \t])   # 1. 2) a) (iv) B)
    )[ \t]*""",
    re.VERBOSE,
)
# Candidate sentence ends: terminal punctuation, then closing quotes or brackets, then space.
_END = re.compile(r"""([.!?\u2026]+)(['"\u2019\u201d)\]]*)(?=\s)""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NEXT_CHAR = re.compile(r"\s*(\S)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c")
_ACRONYM = re.compile(r"(?:[a-z]\.)+[a-z]")
_HAS_WORD = re.compile(r"\w")


def split_sentences(text: str, *, cache: dict | None = None) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their character spans.

    Args:
        text: any text (a letter, a feedback point, an answer), possibly with bullet
            lists, blank lines, hard line breaks, "\\r\\n" line ends.

    Returns:
        ``[(start, end), ...]`` in order, as Python ``str`` indices into ``text``, so
        ``text[start:end]`` is the sentence. Spans exclude surrounding whitespace and a
        leading list marker ("- ", "* ", "• ", "1. ", "a) "). Pieces without a letter or
        digit (a lone "-" or "---") are left out.

    Rules: a blank line, a list item and a line that ends with punctuation (or is
    followed by a capitalised line) end a sentence, so "Dear Sam," and "Kind regards,"
    stand alone; a line break inside a wrapped sentence (next line starts in lower
    case) does not. Within a line, ".", "!", "?" and "…" end a sentence when followed by
    a space and not preceded by an abbreviation ("e.g.", "Dr.", "Mr.", "vs.", "No."); "etc.",
    "Ltd." and "a.m." end one only before a capital. "3.5", "v2.0" and "example.com" are
    never split, as no space follows the dot.

    ``cache``: a dict shared by the texts of a batch; each distinct block (a paragraph, a
    list item, a line) is split once. The spans are the same without it.
    """
    spans: list[tuple[int, int]] = []
    if cache is None:
        for block_start, block_end in _blocks(text):
            spans.extend(_split_block(text, block_start, block_end))
        return spans
    for block_start, block_end in _blocks(text):
        key = ("sentences", text[block_start:block_end])
        local = cache.get(key)
        if local is None:
            local = cache[key] = tuple(_split_block(key[1], 0, block_end - block_start))
        spans.extend((block_start + a, block_start + b) for a, b in local)
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of text between hard breaks (blank lines, list items, finished lines)."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append((pos, match.start()))
        pos = match.end()
    lines.append((pos, len(text)))

    blocks: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end in lines:
        line = text[start:end]
        if not line.strip():
            if current:
                blocks.append(current)
            current = None
            continue
        bullet = _BULLET.match(line)
        is_item = bool(bullet and line[: bullet.end()].strip())
        content_start = start + (bullet.end() if is_item else len(line) - len(line.lstrip()))
        if (
            current is not None
            and not is_item
            and _continues(text[max(current[0], current[1] - 8) : current[1]], line)
        ):
            current = (current[0], end)
            continue
        if current:
            blocks.append(current)
        current = (content_start, end)
    if current:
        blocks.append(current)
    return blocks


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` continues the sentence whose text so far ends with ``previous``."""
    prev = previous.rstrip()
    nxt = line.lstrip()
    if not prev or not nxt:
        return False
    if prev[-1] in ".!?:;,\u2026\"'\u201d\u2019)":
        return False
    return nxt[0].islower() or nxt[0] in "([" or (nxt[0].isdigit() and prev[-1].isalpha())


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    block = text[start:end]
    spans = []
    piece_start = 0
    if _END.search(block):
        for match in _END.finditer(block):
            stop = match.end()
            if not _ends_sentence(block, match):
                continue
            spans.append((piece_start, stop))
            piece_start = stop
    spans.append((piece_start, len(block)))

    result = []
    for a, b in spans:
        piece = block[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail <= lead or not _HAS_WORD.search(piece):
            continue
        result.append((start + a + lead, start + a + trail))
    return result


def _ends_sentence(block: str, match: re.Match) -> bool:
    punct = match.group(1)
    following = _NEXT_CHAR.match(block, match.end())
    if following is None:
        return True
    after = following.group(1)
    if punct != ".":
        # "?", "!", "…", "..." end a sentence unless a lower-case word continues it.
        return not after.islower()
    word = _WORD_BEFORE.search(block, max(0, match.start() - 40), match.start())
    if word:
        token = word.group(1).lower().rstrip(".")
        if token in _NEVER_END:
            return False
        if token in _BEFORE_NUMBER and after.isdigit():
            return False
        if len(token) == 1 and word.group(1)[0].isupper():  # an initial: "J. Smith"
            return False
        if token in _MAYBE_END or _ACRONYM.fullmatch(token):
            return after.isupper()
    # A lower-case continuation ("approx. ten", "Ltd. and") is not a new sentence.
    return not after.islower()


# --- Model files --------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_MANIFEST_LOCK = threading.Lock()
_manifest_cache: dict[str, Any] = {}


def _read_manifest(model_dir: Path | None = None) -> dict:
    """The parsed manifest (cached per directory) plus its raw bytes' digest."""
    directory = Path(model_dir) if model_dir is not None else MODEL_DIR
    key = str(directory)
    with _MANIFEST_LOCK:
        if key in _manifest_cache:
            return _manifest_cache[key]
        path = directory / MANIFEST_NAME
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ClassifierUnavailable(
                f"The sentence classifier's manifest {path} cannot be read ({exc.strerror or exc}). "
                "Restore feedback/quality/model/ or retrain with `python -m devtools.quality.train`."
            ) from exc
        try:
            manifest = json.loads(raw)
        except ValueError as exc:
            raise ClassifierUnavailable(f"{path} is not valid JSON: {exc}") from exc
        if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("languages"), dict):
            raise ClassifierUnavailable(f"{path} has an unknown format (expected format {MANIFEST_FORMAT}).")
        result = {"manifest": manifest, "digest": hashlib.sha256(raw).hexdigest(), "dir": directory}
        _manifest_cache[key] = result
        return result


def available_languages() -> set[str]:
    """Language codes (ISO 639-1, lower case) that have a model in the manifest, e.g. ``{"en"}``.

    Raises ``ClassifierUnavailable`` if the manifest is missing or unreadable. It does not
    load or verify the model files; ``classify`` does that on first use.
    """
    return set(_read_manifest()["manifest"]["languages"])


def model_version(language: str | None = None) -> str:
    """A short string that changes whenever the model files, thresholds or manifest change.

    With no language: the version of the whole model set (this is ``MODEL_VERSION``), the
    SHA-256 of ``MANIFEST.json`` shortened to 16 hex digits with a ``"qc-"`` prefix. The
    manifest lists the hash of every model file, so a changed file means a changed
    version. With a language: the version of that language's section only (stable when
    another language is added).
    """
    info = _read_manifest()
    if language is None:
        return "qc-" + info["digest"][:16]
    section = _language_section(info["manifest"], language)
    canonical = json.dumps(section, sort_keys=True, separators=(",", ":")).encode()
    return f"qc-{language}-" + hashlib.sha256(canonical).hexdigest()[:16]


def __getattr__(name: str) -> Any:
    # MODEL_VERSION is computed on first access (reads MANIFEST.json; raises
    # ClassifierUnavailable with a clear message if it is missing).
    if name == "MODEL_VERSION":
        return model_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _normalise_language(language: str) -> str:
    if not isinstance(language, str) or not language:
        raise LanguageNotAvailable(f"language must be a language code such as 'en', not {language!r}")
    return language.strip().lower().replace("_", "-").split("-")[0]


def _language_section(manifest: dict, language: str) -> dict:
    code = _normalise_language(language)
    try:
        return manifest["languages"][code]
    except KeyError:
        known = ", ".join(sorted(manifest["languages"])) or "none"
        raise LanguageNotAvailable(
            f"No sentence-classifier model for language {language!r} (available: {known})."
        ) from None


def thresholds(language: str = "en") -> dict[str, float]:
    """The probability thresholds of a language's model: ``{"advisory": p, "block": p}``.

    A sentence is flagged (``level="advisory"``) when its probability of not being fine
    (boilerplate + personal, 0..1) reaches ``advisory``, and is a confident finding
    (``level="block"``) when it reaches ``block``. They were chosen on cross-validated
    predictions (see ``devtools/quality/README.md``).
    """
    section = _language_section(_read_manifest()["manifest"], language)
    return json.loads(json.dumps(section["thresholds"]))


# --- The model ----------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
# Words whose token ids are cached per model; past this many the cache starts afresh.
_WORD_CACHE_SIZE = 200_000


def normalise(sentence: str, *, lower: bool = False) -> str:
    """The text as the model sees it: NFKC, ASCII quotes and dashes, single spaces, stripped."""
    text = sentence[:_MAX_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    text = " ".join(text.split())
    return text.lower() if lower else text


def token_ids(tokenizer, sentences: Sequence[str], *, lower: bool = True) -> list[list[int]]:
    """Token ids of each sentence (normalised, lower-cased by default), without special tokens.

    ``tokenizer`` is a ``tokenizers.Tokenizer``. Shared with ``devtools.quality.train`` so
    training and inference see exactly the same tokens.
    """
    texts = [normalise(s, lower=lower) for s in sentences]
    return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


def bigram_buckets(left, right, *, multiplier: int, buckets: int):
    """Hash bucket of each token bigram: ``(left * multiplier + right) % buckets`` (numpy int64 arrays)."""
    return (left * multiplier + right) % buckets


def _check_numpy_tokenizers():
    try:
        import numpy
        import tokenizers
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ClassifierUnavailable(
            f"The sentence classifier needs numpy and tokenizers ({exc}); see requirements.txt."
        ) from exc
    return numpy, tokenizers


class _Model:
    """One language's model, loaded and verified. Immutable after __init__ (thread-safe)."""

    def __init__(self, directory: Path, language: str, section: dict):
        np, tokenizers = _check_numpy_tokenizers()
        self.np = np
        self.language = language
        files = section.get("files") or {}
        for name in (section.get("tokenizer"), section.get("head")):
            if name not in files:
                raise ClassifierUnavailable(f"MANIFEST.json: {name!r} of language {language!r} has no hash.")
        for name, expected in sorted(files.items()):
            path = directory / name
            if not path.is_file():
                raise ClassifierUnavailable(
                    f"Sentence-classifier file {path} is missing. Restore feedback/quality/model/ "
                    "from the repository or retrain with `python -m devtools.quality.train`."
                )
            actual = _sha256(path)
            if actual != expected:
                raise ClassifierUnavailable(
                    f"Sentence-classifier file {path} does not match MANIFEST.json "
                    f"(sha256 {actual}, expected {expected}). Refusing to load an altered model; "
                    "restore the file or retrain with `python -m devtools.quality.train`."
                )
        features = section.get("features") or {}
        if features.get("scheme") != FEATURE_SCHEME:
            raise ClassifierUnavailable(
                f"The {language!r} model uses feature scheme {features.get('scheme')!r}; "
                f"this code computes {FEATURE_SCHEME!r}. Retrain or update the code."
            )
        self.classes = list(section["classes"])
        if any(c not in CLASS_TO_LABEL for c in self.classes):
            raise ClassifierUnavailable(f"Unknown class in {self.classes} for {language!r}.")
        self.lower = bool(features["lowercase"])
        self.buckets = int(features["bigram_buckets"])
        self.multiplier = int(features["bigram_multiplier"])
        try:
            self.tokenizer = tokenizers.Tokenizer.from_file(str(directory / section["tokenizer"]))
            with np.load(directory / section["head"], allow_pickle=False) as head:
                self.bias = np.asarray(head["bias"], dtype=np.float64)
                self.emb = np.ascontiguousarray(head["emb"], dtype=np.float32)
                self.uni = np.ascontiguousarray(head["uni"], dtype=np.float32)
                bi = np.zeros((self.buckets, len(self.classes)), dtype=np.float32)
                bi[np.asarray(head["bi_index"], dtype=np.int64)] = head["bi_value"]
                self.bi = bi
        except Exception as exc:
            raise ClassifierUnavailable(
                f"Sentence-classifier model for {language!r} cannot be read: {exc}"
            ) from exc
        if self.emb.shape != self.uni.shape or self.emb.shape[1] != len(self.classes):
            raise ClassifierUnavailable(f"Sentence-classifier head for {language!r} has inconsistent shapes.")
        self.vocab_size = self.emb.shape[0]
        # word -> token ids. The tokenizer never merges across a space (the Llama-2 vocabulary
        # has no token with an inner "▁" other than runs of "▁", and normalise() leaves single
        # spaces), so a sentence's ids are the concatenation of its words' ids. A plain dict:
        # concurrent threads may both fill an entry, with the same value.
        self._words: dict[str, list[int]] = {}
        # Probability of each public label = sum over its internal classes.
        merge = np.zeros((len(self.classes), len(LABELS)))
        for i, c in enumerate(self.classes):
            merge[i, LABELS.index(CLASS_TO_LABEL[c])] = 1.0
        self.merge = merge
        t = section.get("thresholds")
        try:
            self.advisory = float(t["advisory"])
            self.block = float(t["block"])
        except (TypeError, KeyError, ValueError):
            raise ClassifierUnavailable(f"MANIFEST.json: bad thresholds for {language!r}: {t!r}") from None
        if not 0.0 < self.advisory <= self.block <= 1.0:
            raise ClassifierUnavailable(
                f"Thresholds of {language!r} must satisfy 0 < advisory <= block <= 1: {t}"
            )

    def token_ids(self, sentences: Sequence[str]) -> list[list[int]]:
        """The same as ``token_ids(self.tokenizer, sentences)``, with each word tokenised once."""
        words = self._words
        if len(words) > _WORD_CACHE_SIZE:
            words = self._words = {}
        split = [normalise(s, lower=self.lower).split(" ") for s in sentences]
        missing = sorted({w for ws in split for w in ws if w not in words})
        if missing:
            encoded = self.tokenizer.encode_batch(missing, add_special_tokens=False)
            for word, encoding in zip(missing, encoded, strict=True):
                words[word] = encoding.ids
        get = words.__getitem__
        chain = itertools.chain.from_iterable
        return [list(chain(map(get, ws))) for ws in split]

    def class_probabilities(self, sentences: Sequence[str]):
        """Internal class probabilities, an array of shape (len(sentences), len(self.classes))."""
        np = self.np
        encodings = self.token_ids(sentences)
        n_sent = len(encodings)
        lengths = np.fromiter(map(len, encodings), dtype=np.int64, count=n_sent)
        logits = np.tile(self.bias, (n_sent, 1))
        total = int(lengths.sum())
        if total:
            flat = np.array(list(itertools.chain.from_iterable(encodings)), dtype=np.int64)
            np.clip(flat, 0, self.vocab_size - 1, out=flat)
            owner = np.repeat(np.arange(n_sent), lengths)
            same = owner[1:] == owner[:-1]  # a bigram joins tokens i and i + 1 of one sentence
            buckets = bigram_buckets(
                flat[:-1][same], flat[1:][same], multiplier=self.multiplier, buckets=self.buckets
            )
            bi_owner = owner[:-1][same]
            emb_rows = self.emb[flat]
            uni_rows = self.uni[flat]
            bi_rows = self.bi[buckets]
            mean_scale = 1.0 / np.maximum(lengths, 1)
            for c in range(len(self.classes)):
                emb_sum = np.bincount(owner, weights=emb_rows[:, c], minlength=n_sent)
                counts = np.bincount(owner, weights=uni_rows[:, c], minlength=n_sent)
                counts += np.bincount(bi_owner, weights=bi_rows[:, c], minlength=n_sent)
                logits[:, c] += emb_sum * mean_scale + counts
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def label_probabilities(self, sentences: Sequence[str]):
        """Label probabilities, shape (len(sentences), 3), columns in ``LABELS`` order, rounded to 1e-6."""
        return self.np.round(self.class_probabilities(sentences) @ self.merge, 6)

    def predict(self, sentences: Sequence[str]) -> list[Prediction]:
        np = self.np
        probs = self.label_probabilities(sentences)
        flag = np.argmax(probs[:, :2], axis=1)  # boilerplate or personal; ties go to boilerplate
        not_fine = np.round(probs[:, 0] + probs[:, 1], 6)
        block = not_fine >= self.block
        advisory = ~block & (not_fine >= self.advisory)
        # Per sentence, an index into _OUTCOMES: the flag (0 boilerplate, 1 personal) + 2 if advisory; 4 fine.
        kind = np.where(block, flag, np.where(advisory, flag + 2, 4)).tolist()
        out = []
        append = out.append
        for (pb, pp, pf), k in zip(probs.tolist(), kind, strict=True):
            label, level = _OUTCOMES[k]
            p = {BOILERPLATE: pb, PERSONAL: pp, FINE: pf}
            append(Prediction(label, p[label], p, level))
        return out


_OUTCOMES = (
    (BOILERPLATE, BLOCK),
    (PERSONAL, BLOCK),
    (BOILERPLATE, ADVISORY),
    (PERSONAL, ADVISORY),
    (FINE, None),
)
_MODELS: dict[tuple[str, str], _Model] = {}
_MODELS_LOCK = threading.Lock()


def _model(language: str, model_dir: Path | None = None) -> _Model:
    info = _read_manifest(model_dir)
    code = _normalise_language(language)
    key = (str(info["dir"]), code)
    model = _MODELS.get(key)
    if model is None:
        with _MODELS_LOCK:
            model = _MODELS.get(key)
            if model is None:
                section = _language_section(info["manifest"], code)
                model = _Model(info["dir"], code, section)
                _MODELS[key] = model
    return model


def load(language: str = "en") -> None:
    """Load and verify a language's model now (for example at worker start) instead of on first use.

    Raises ``ClassifierUnavailable`` (or ``LanguageNotAvailable``) with the reason.
    """
    _model(language)


def classify(sentences: Sequence[str], *, language: str = "en") -> list[Prediction]:
    """Classify sentences, one ``Prediction`` per sentence, in order.

    Args:
        sentences: a list of sentences (``str``). Pass every sentence of a text (or of many
            texts) in one call: the work is batched. An empty string is ``"fine"``. Only the
            first 2,000 characters of a sentence are read.
        language: an ISO 639-1 code (``"en"``); region suffixes are ignored ("en-GB").

    Returns:
        ``[Prediction, ...]``, same length and order as ``sentences``. The same sentence
        always gets the same prediction, whatever else is in the batch.

    Raises:
        LanguageNotAvailable: no model for ``language``.
        ClassifierUnavailable: model files missing, altered (hash mismatch) or unreadable.

    The model is loaded lazily, once per process and language, under a lock; calls from
    several threads are safe. A 2,000-character letter (about 25 sentences) takes a few
    milliseconds.
    """
    if isinstance(sentences, str):
        raise TypeError("classify() takes a list of sentences; use classify_text() for a whole text")
    items = list(sentences)
    model = _model(language)
    out: list[Prediction] = []
    for i in range(0, len(items), _CHUNK):
        out.extend(model.predict(items[i : i + _CHUNK]))
    return out


def classify_text(text: str, *, language: str = "en") -> list[SentencePrediction]:
    """Split ``text`` into sentences and classify each; see ``split_sentences`` and ``classify``."""
    return classify_texts([text], language=language)[0]


def classify_texts(texts: Iterable[str], *, language: str = "en") -> list[list[SentencePrediction]]:
    """Bulk version of ``classify_text``: the sentences of all texts go through the model together.

    Returns one list per text, in order. 10,000 letters of 2,000 characters take seconds.
    """
    texts = list(texts)
    spans = [split_sentences(t) for t in texts]
    sentences = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
    predictions = iter(classify(sentences, language=language))
    return [
        [SentencePrediction(a, b, t[a:b], next(predictions)) for a, b in sp]
        for t, sp in zip(texts, spans, strict=True)
    ]


def _reset_for_tests() -> None:
    """Forget cached manifests and models (tests swap model folders)."""
    with _MANIFEST_LOCK:
        _manifest_cache.clear()
    with _MODELS_LOCK:
        _MODELS.clear()


__all__ = [
    "ADVISORY",
    "BLOCK",
    "BOILERPLATE",
    "FINE",
    "LABELS",
    "PERSONAL",
    "ClassifierUnavailable",
    "LanguageNotAvailable",
    "Prediction",
    "SentencePrediction",
    "available_languages",
    "classify",
    "classify_text",
    "classify_texts",
    "load",
    "model_version",
    "split_sentences",
    "thresholds",
]
