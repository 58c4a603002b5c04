"""The quality-check phase of `make bench` (issue 11 point 1, issue 18 point 5).

"The check" is ``feedback.quality.check.Checker`` with the built-in lists only
(``extra_rules=()``, no database): phrase lists, sentence classifier, language identifier
and merge-field checks, exactly what a letter's editor and bulk approval run. The baseline
is the phrase lists alone, ``feedback.quality.rules.check_text``, on the same letters in
the same process, so a shared machine's noise cancels in the ratio.

Measured:

- the model's load (reading and verifying the files, building the head), once, cold;
- one letter of about 2,000 characters: ``Checker.check_text`` and ``rules.check_text``
  timed in turns, ``runs`` letters each after a warm-up, p50 and p95 (budget: p95 ≤ 20 ms);
  the classifier alone (``classifier.classify_text``) is timed in the same turns, for
  information;
- ``letters`` letters in bulk: ``Checker.check_texts`` over all of them in one call (what
  bulk approval does, ``feedback.letters.findings.LetterChecker.check``), against the
  phrase lists over the same letters in a loop (budget: seconds; judged at ≤ 10 s).

Letters are built deterministically (seeded) from the held-out corpus
(``devtools/quality/corpus/heldout/en.jsonl``): a greeting, a thank-you line, paragraphs of
specific job-related sentences with some boilerplate and personal remarks among them, the
decision, a sign-off.
"""

from __future__ import annotations

import gc
import json
import random
import re
import statistics
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "quality" / "corpus" / "heldout" / "en.jsonl"
LETTER_CHARS = 2_000
ONE_LETTER_P95_MS = 20.0  # issue 11, point 1
BULK_SECONDS = 10.0  # "10,000 letters in seconds": judged at ten seconds
# Share of the body's sentences by label: mostly specific feedback, as a letter should be.
MIX = (("specific", 0.70), ("boilerplate", 0.18), ("personal", 0.07), ("courtesy", 0.05))
NAMES = ("Sam Patel", "Rosa Díaz", "Wei Chen", "Amara Okafor", "Jonas Berg", "Priya Nair", "Tom Walsh")


def corpus_sentences(path: Path = CORPUS) -> dict[str, list[str]]:
    """The held-out sentences by label (``specific``, ``boilerplate``, ``personal``, ``courtesy``)."""
    by_label: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                by_label.setdefault(row["label"], []).append(row["text"].strip())
    return by_label


def make_letters(n: int, *, seed: int = 11, chars: int = LETTER_CHARS) -> list[str]:
    """``n`` letters of about ``chars`` characters (within 5%), the same for the same seed."""
    by_label = corpus_sentences()
    rng = random.Random(seed)
    labels = [label for label, _ in MIX]
    weights = [weight for _, weight in MIX]
    letters = []
    for _ in range(n):
        name = rng.choice(NAMES)
        head = f"Dear {name.split()[0]},\n\n{rng.choice(by_label['courtesy'])}"
        tail = f"{rng.choice(by_label['courtesy'])}\n\nKind regards,\nAlex Morgan\nTalent team"
        budget = chars - len(head) - len(tail) - 4
        paragraphs: list[list[str]] = [[]]
        used = 0
        while True:
            sentence = rng.choice(by_label[rng.choices(labels, weights)[0]])
            if used + len(sentence) + 1 > budget:
                if used >= budget * 0.9:
                    break
                continue
            if len(paragraphs[-1]) >= rng.randint(3, 5):
                paragraphs.append([])
                used += 1
            paragraphs[-1].append(sentence)
            used += len(sentence) + 1
        body = "\n\n".join(" ".join(p) for p in paragraphs if p)
        letters.append(f"{head}\n\n{body}\n\n{tail}")
    return letters


def make_distinct(letters: list[str]) -> list[str]:
    """The same letters with every sentence made unique (a number added before its full stop):
    the worst case for the check's per-batch memo, which reads each distinct sentence once."""
    end = re.compile(r"(?<=\w)([.!?])(?=\s|$)")
    out = []
    for n, letter in enumerate(letters):
        pieces = end.split(letter)  # text, mark, text, mark, ..., text
        for k in range(1, len(pieces), 2):
            pieces[k] = f" (ref {n}-{k // 2}){pieces[k]}"
        out.append("".join(pieces))
    return out


def _distinct_share(letters: list[str]) -> tuple[int, int]:
    from feedback.quality import classifier

    sentences = [t[a:b] for t in letters for a, b in classifier.split_sentences(t)]
    return len(set(sentences)), len(sentences)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _stats(samples_ms: list[float]) -> dict:
    return {
        "p50_ms": statistics.median(samples_ms),
        "p95_ms": _percentile(samples_ms, 95),
        "max_ms": max(samples_ms),
        "mean_ms": statistics.fmean(samples_ms),
    }


def run(*, runs: int = 500, letters: int = 10_000, warmup: int = 50, seed: int = 11, log=print) -> dict:
    """Measure the check against the phrase lists alone; returns the figures (times in ms / s).

    ``runs``: letters timed one at a time (p50/p95); ``letters``: letters checked in bulk.
    """
    from feedback.quality import check, classifier, languages, rules

    started = time.perf_counter()
    one = make_letters(max(runs, 1), seed=seed)
    bulk = make_letters(letters, seed=seed + 1) if letters else []
    made_s = time.perf_counter() - started
    sizes = [len(t) for t in one]
    log(
        f"    {len(one):,} + {len(bulk):,} letters built in {made_s:.1f} s, "
        f"{min(sizes):,}-{max(sizes):,} characters (mean {statistics.fmean(sizes):,.0f})"
    )

    # The model's load, cold (the bench process may have loaded it already).
    classifier._reset_for_tests()
    t0 = time.perf_counter()
    classifier.load("en")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    checker = check.Checker(extra_rules=(), packs={"en": check.english_pack()})
    checker_s = time.perf_counter() - t0
    log(
        f"    model loaded and verified in {load_s * 1000:,.0f} ms; "
        f"checker built in {checker_s * 1000:,.0f} ms"
    )

    # One letter at a time, in turns, after a warm-up (word cache, regex caches, numpy).
    for text in one[: max(1, min(warmup, len(one)))]:
        rules.check_text(text)
        classifier.classify_text(text)
        checker.check_text(text)
    timings: dict[str, list[float]] = {"phrases": [], "classifier": [], "check": []}
    clock = time.perf_counter_ns
    findings = blocking = 0
    for text in one[:runs]:
        t = clock()
        rules.check_text(text)
        timings["phrases"].append((clock() - t) / 1e6)
        t = clock()
        classifier.classify_text(text)
        timings["classifier"].append((clock() - t) / 1e6)
        t = clock()
        found = checker.check_text(text)
        timings["check"].append((clock() - t) / 1e6)
        findings += len(found)
        blocking += sum(1 for f in found if f.blocking)
    single = {key: _stats(values) for key, values in timings.items()}
    single["runs"] = len(timings["check"])
    single["sentences_per_letter"] = statistics.fmean(len(classifier.split_sentences(t)) for t in one)
    single["findings_per_letter"] = findings / max(1, len(timings["check"]))
    single["blocking_per_letter"] = blocking / max(1, len(timings["check"]))
    log(
        f"    one letter, p50/p95: check {single['check']['p50_ms']:.2f}/{single['check']['p95_ms']:.2f} ms, "
        f"phrase lists {single['phrases']['p50_ms']:.2f}/{single['phrases']['p95_ms']:.2f} ms, "
        f"classifier {single['classifier']['p50_ms']:.2f}/{single['classifier']['p95_ms']:.2f} ms"
    )

    result = {
        "letter_chars": {"min": min(sizes), "max": max(sizes), "mean": statistics.fmean(sizes)},
        "model_load_s": load_s,
        "checker_build_s": checker_s,
        "model_version": classifier.model_version("en"),
        "single": single,
        "bulk": None,
    }
    if bulk:
        wall, cpu = time.perf_counter, time.process_time

        def timed(step) -> tuple[float, float]:
            gc.collect()
            w0, c0 = wall(), cpu()
            step()
            return wall() - w0, cpu() - c0

        def phrase_lists():
            for text in bulk:
                rules.check_text(text)

        def languages_alone():
            for text in bulk:
                languages.segments(text)

        found: list = []
        phrases_s, phrases_cpu = timed(phrase_lists)
        check_s, check_cpu = timed(lambda: found.append(checker.check_texts(bulk)))
        bulk_findings = sum(len(f) for f in found[0])
        found.clear()
        slow = check.Checker(extra_rules=(), packs=checker.packs, memo=False)
        unmemo_s, unmemo_cpu = timed(lambda: slow.check_texts(bulk))
        classifier_s, _ = timed(lambda: classifier.classify_texts(bulk))
        languages_s, _ = timed(languages_alone)
        distinct = make_distinct(bulk)
        distinct_s, distinct_cpu = timed(lambda: checker.check_texts(distinct))
        unique, total = _distinct_share(bulk)
        result["bulk"] = {
            "letters": len(bulk),
            "check_s": check_s,
            "check_cpu_s": check_cpu,
            "phrases_s": phrases_s,
            "phrases_cpu_s": phrases_cpu,
            "unmemoised_s": unmemo_s,
            "unmemoised_cpu_s": unmemo_cpu,
            "distinct_s": distinct_s,
            "distinct_cpu_s": distinct_cpu,
            "classifier_s": classifier_s,
            "languages_s": languages_s,
            "findings": bulk_findings,
            "sentences": total,
            "distinct_sentences": unique,
        }
        log(
            f"    {len(bulk):,} letters in bulk: check {check_s:.2f} s (CPU {check_cpu:.2f} s), phrase "
            f"lists {phrases_s:.2f} s (CPU {phrases_cpu:.2f} s), without the batch memo {unmemo_s:.2f} s, "
            f"every sentence distinct {distinct_s:.2f} s, classifier alone {classifier_s:.2f} s, "
            f"language identifier alone {languages_s:.2f} s; {unique:,} distinct of {total:,} sentences"
        )
    return result
