"""Evaluate the shipped sentence classifier (``feedback/quality/model/``).

    python -m devtools.quality.evaluate [--data FILE] [--json] [--no-list] [--bench]

By default it reads the held-out set ``devtools/quality/corpus/heldout/en.jsonl``
(``{"text", "label", "family", "kind"}`` per line) and prints, at the blocking and at the
advisory threshold:

- recall of ``boilerplate`` and of ``personal`` sentences (a sentence counts as found
  only when it gets its own label);
- the share of ``specific`` and of ``courtesy`` sentences that are flagged (false flags),
  overall and per job family;
- the misses and the false flags, with the model's probabilities.

Predictions go through the runtime code path (``classify``), thresholds included.

``--languages de,fr,es`` (and, after the English report, ``--with-rules`` as ``make
quality-eval`` runs it): the whole check, rules only, on each language's held-out set
``corpus/heldout/<code>.jsonl`` (``--split dev`` for the tuning set ``corpus/dev/<code>.jsonl``),
counting blocking findings and blocking-or-advisory ones.
``--json`` prints the same as one JSON object. ``--bench`` also measures the latency of
one 2,000-character letter and the time to check 10,000 letters (built from the data's
sentences). Use the held-out set only for the final report, never to tune.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from devtools.quality import REPO_ROOT, classifier_module

HELDOUT = REPO_ROOT / "devtools" / "quality" / "corpus" / "heldout" / "en.jsonl"
FLAGS = ("boilerplate", "personal")
FINE_KINDS = ("specific", "courtesy")
TARGETS = {"recall": 0.90, "flagged_specific": 0.03, "flagged_specific_family": 0.05}


def read_rows(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if "text" not in row or "label" not in row:
                raise SystemExit(f"{path}:{n}: need text and label")
            row.setdefault("family", "unknown")
            row.setdefault("kind", "")
            rows.append(row)
    return rows


def summarise(rows: list[dict], flagged_as: list[str]) -> dict:
    """Metrics for one operating point; ``flagged_as[i]`` is "boilerplate", "personal" or "fine"."""
    out: dict = {}
    for label in FLAGS:
        idx = [i for i, r in enumerate(rows) if r["label"] == label]
        found = sum(flagged_as[i] == label for i in idx)
        flagged_other = sum(flagged_as[i] not in ("fine", label) for i in idx)
        out[label] = {
            "n": len(idx),
            "recall": found / len(idx) if idx else None,
            "flagged_as_other_flag": flagged_other,
            "missed": len(idx) - found - flagged_other,
        }
        by_family = defaultdict(list)
        for i in idx:
            by_family[rows[i]["family"]].append(flagged_as[i] == label)
        out[label]["recall_by_family"] = {f: sum(v) / len(v) for f, v in sorted(by_family.items())}
    for label in FINE_KINDS:
        idx = [i for i, r in enumerate(rows) if r["label"] == label]
        by_family = defaultdict(list)
        by_kind = defaultdict(list)
        for i in idx:
            by_family[rows[i]["family"]].append(flagged_as[i] != "fine")
            by_kind[rows[i]["kind"]].append(flagged_as[i] != "fine")
        out[label] = {
            "n": len(idx),
            "flagged": sum(flagged_as[i] != "fine" for i in idx) / len(idx) if idx else None,
            "flagged_by_family": {f: sum(v) / len(v) for f, v in sorted(by_family.items())},
            "flagged_by_kind": {k: sum(v) / len(v) for k, v in sorted(by_kind.items())},
        }
    spec = out.get("specific", {})
    worst = max(spec.get("flagged_by_family", {}).values(), default=0.0)
    out["targets_met"] = {
        "recall_boilerplate": (out["boilerplate"]["recall"] or 0) >= TARGETS["recall"],
        "recall_personal": (out["personal"]["recall"] or 0) >= TARGETS["recall"],
        "flagged_specific": (spec.get("flagged") or 0) <= TARGETS["flagged_specific"],
        "flagged_specific_every_family": worst <= TARGETS["flagged_specific_family"],
    }
    return out


def phrase_list_labels(rows: list[dict]) -> list[str]:
    """What the phrase lists say about each sentence: "boilerplate", "personal" or "fine"."""
    check_text = None
    for name in ("feedback.quality.rules", "feedback.quality"):
        try:
            check_text = importlib.import_module(name).check_text
            break
        except (ImportError, AttributeError):
            continue
    if check_text is None:
        raise SystemExit(
            "--with-rules: the phrase lists (feedback.quality.rules.check_text) cannot be imported"
        )
    out = []
    for r in rows:
        categories = {f.category for f in check_text(r["text"])}
        if "personal_attribute" in categories:
            out.append("personal")
        elif "boilerplate" in categories:
            out.append("boilerplate")
        else:
            out.append("fine")
    return out


def evaluate(rows: list[dict], language: str = "en", with_rules: bool = False) -> dict:
    clf = classifier_module()
    predictions = clf.classify([r["text"] for r in rows], language=language)
    advisory = [p.label for p in predictions]
    block = [p.label if p.level == "block" else "fine" for p in predictions]
    items = []
    for r, p in zip(rows, predictions, strict=True):
        items.append(
            {
                "text": r["text"],
                "label": r["label"],
                "family": r["family"],
                "kind": r["kind"],
                "predicted": p.label,
                "level": p.level,
                "probabilities": p.probabilities,
            }
        )
    extra = {}
    if with_rules:
        rules = phrase_list_labels(rows)
        union = [a if a != "fine" else b for a, b in zip(advisory, rules, strict=True)]
        extra = {
            "phrase_lists_only": summarise(rows, rules),
            "classifier_or_phrase_lists": summarise(rows, union),
        }
    misses = [x for x in items if x["label"] in FLAGS and x["predicted"] != x["label"]]
    false_flags = [x for x in items if x["label"] in FINE_KINDS and x["predicted"] != "fine"]
    return {
        "model_version": clf.model_version(),
        "language_model_version": clf.model_version(language),
        "thresholds": clf.thresholds(language),
        "n": len(rows),
        "block": summarise(rows, block),
        "advisory": summarise(rows, advisory),
        **extra,
        "misses": misses,
        "false_flags": false_flags,
    }


def _pct(x) -> str:
    return "  n/a" if x is None else f"{100 * x:5.1f}%"


def print_report(result: dict, data: Path, listing: bool) -> None:
    t = result["thresholds"]
    print(f"data: {data} ({result['n']} sentences)")
    print(f"model: {result['model_version']} ({result['language_model_version']})")
    print(f"thresholds on P(boilerplate) + P(personal): block >= {t['block']}, advisory >= {t['advisory']}")
    titles = {
        "block": "at the block threshold (blocking findings only)",
        "advisory": "at the advisory threshold (all findings)",
        "phrase_lists_only": "the phrase lists alone (feedback/quality rules), for comparison",
        "classifier_or_phrase_lists": "classifier (advisory) or phrase lists: flagged by either",
    }
    for level in [k for k in titles if k in result]:
        r = result[level]
        print(f"\n== {titles[level]}")
        for label in FLAGS:
            x = r[label]
            print(
                f"  recall {label:12s} {_pct(x['recall'])}  (n={x['n']}, missed {x['missed']}, "
                f"flagged as the other flag {x['flagged_as_other_flag']})"
            )
        for label in FINE_KINDS:
            x = r[label]
            print(f"  {label} flagged {_pct(x['flagged'])}  (n={x['n']})")
            fams = "  ".join(f"{f} {_pct(v).strip()}" for f, v in x["flagged_by_family"].items())
            print(f"    by family: {fams}")
            if label == "specific":
                kinds = "  ".join(f"{k or '-'} {_pct(v).strip()}" for k, v in x["flagged_by_kind"].items())
                print(f"    by kind:   {kinds}")
        met = r["targets_met"]
        print("  targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in met.items()))
    if listing:
        for title, items in (("misses", result["misses"]), ("false flags", result["false_flags"])):
            print(f"\n== {title} ({len(items)})")
            for x in items:
                p = x["probabilities"]
                print(
                    f"  [{x['label']} -> {x['predicted']}{'/' + x['level'] if x['level'] else ''}] "
                    f"b={p['boilerplate']:.2f} p={p['personal']:.2f} f={p['fine']:.2f} "
                    f"({x['family']}/{x['kind']}) {x['text']}"
                )


# --- Other languages: the whole check, rules only ----------------------------------------------

LANGUAGES = ("de", "fr", "es")
CORPUS = REPO_ROOT / "devtools" / "quality" / "corpus"


def _django() -> None:
    """The whole check reads Django settings (placeholders, HR's phrases): set them up when this
    runs as a plain module (``make quality-eval``), with the local settings ``manage.py`` uses."""
    from django.conf import settings

    if settings.configured:
        return
    import django

    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()


def check_labels(rows: list[dict], language: str | None = None) -> tuple[list[str], list[str]]:
    """What the whole check (``Checker(extra_rules=())``: phrase lists, subject rule, classifier
    where the language has one) says about each sentence, as "boilerplate", "personal" or
    "fine": counting only blocking findings, and counting advisory ones too."""
    _django()
    from feedback.quality.check import Checker

    # Each sentence as a text of its own, in a letter of that language (``language``): a
    # sentence too short for the identifier is read in it, as in the letter it comes from.
    found = Checker(extra_rules=()).check_texts([r["text"] for r in rows], language=language)
    blocking, every = [], []
    for findings in found:
        for target, keep in ((blocking, lambda f: f.blocking), (every, lambda f: True)):
            categories = {f.category for f in findings if keep(f)}
            if "personal_attribute" in categories:
                target.append("personal")
            elif "boilerplate" in categories:
                target.append("boilerplate")
            else:
                target.append("fine")
    return blocking, every


def evaluate_language(code: str, path: Path | None = None) -> dict:
    """The whole check on a language's held-out set (``corpus/heldout/<code>.jsonl``)."""
    path = path or CORPUS / "heldout" / f"{code}.jsonl"
    rows = read_rows(path)
    blocking, every = check_labels(rows, code)
    items = [{**r, "blocking": b, "any": a} for r, b, a in zip(rows, blocking, every, strict=True)]
    return {
        "language": code,
        "data": str(path.relative_to(REPO_ROOT)),
        "n": len(rows),
        "blocking": summarise(rows, blocking),
        "advisory": summarise(rows, every),
        "misses": [x for x in items if x["label"] in FLAGS and x["any"] != x["label"]],
        "false_flags": [x for x in items if x["label"] in FINE_KINDS and x["any"] != "fine"],
    }


def print_language_report(result: dict, listing: bool) -> None:
    print(f"\n=== {result['language']}: the whole check on {result['data']} ({result['n']} sentences)")
    print("    (rules only: phrase lists + subject rule; no sentence model covers this language)")
    for level, title in (("blocking", "blocking findings"), ("advisory", "blocking or advisory findings")):
        r = result[level]
        print(f"  -- {title}")
        for label in FLAGS:
            x = r[label]
            print(f"    recall {label:12s} {_pct(x['recall'])}  (n={x['n']}, missed {x['missed']})")
        for label in FINE_KINDS:
            x = r[label]
            fams = "  ".join(f"{f} {_pct(v).strip()}" for f, v in x["flagged_by_family"].items())
            print(f"    {label} flagged {_pct(x['flagged'])}  (n={x['n']}); by family: {fams}")
        met = r["targets_met"]
        print("    targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in met.items()))
    if listing:
        for title, items in (("misses", result["misses"]), ("false flags", result["false_flags"])):
            print(f"  -- {title} ({len(items)})")
            for x in items:
                print(f"    [{x['label']} -> {x['any']}] ({x['family']}/{x['kind']}) {x['text']}")


# --- Speed ----------------------------------------------------------------------------------------


def make_letters(sentences: list[str], count: int, size: int = 2000, seed: int = 0) -> list[str]:
    """Letters of about ``size`` characters made of the given sentences, in paragraphs."""
    rng = random.Random(seed)
    letters = []
    for _ in range(count):
        parts, length = ["Dear Alex,", ""], 12
        while length < size:
            s = rng.choice(sentences)
            parts.append(s)
            length += len(s) + 1
        parts += ["", "Kind regards,", "Sam"]
        letters.append("\n".join(parts)[: size + 200])
    return letters


def bench(sentences: list[str], language: str = "en", letters_bulk: int = 10_000) -> dict:
    clf = classifier_module()
    clf.load(language)
    one = make_letters(sentences, 400, seed=1)
    for letter in one[:20]:
        clf.classify_text(letter, language=language)  # warm-up
    times = []
    for letter in one:
        start = time.perf_counter()
        clf.classify_text(letter, language=language)
        times.append((time.perf_counter() - start) * 1000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    times.sort()
    n_sent = statistics.mean(len(clf.split_sentences(x)) for x in one)
    bulk = make_letters(sentences, letters_bulk, seed=2)
    start = time.perf_counter()
    split = [clf.split_sentences(x) for x in bulk]
    split_s = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    results = clf.classify_texts(bulk, language=language)
    bulk_s, bulk_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "load_average": load,
        "letter_chars": round(statistics.mean(len(x) for x in one)),
        "letter_sentences": round(n_sent, 1),
        "one_letter_ms": {
            "p50": round(times[len(times) // 2], 2),
            "p95": round(times[int(len(times) * 0.95)], 2),
            "max": round(times[-1], 2),
        },
        "bulk_letters": len(bulk),
        "bulk_sentences": sum(len(r) for r in results),
        "bulk_seconds": round(bulk_s, 2),
        "bulk_cpu_seconds": round(bulk_cpu, 2),
        "bulk_split_only_seconds": round(split_s, 2),
        "bulk_sentences_per_second": round(sum(len(s) for s in split) / bulk_s),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HELDOUT, help="JSONL file to evaluate on")
    parser.add_argument("--language", default="en")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-list", action="store_true", help="do not list misses and false flags")
    parser.add_argument("--bench", action="store_true", help="also measure latency and bulk throughput")
    parser.add_argument(
        "--with-rules", action="store_true", help="also report the phrase lists and the union"
    )
    parser.add_argument("--bench-letters", type=int, default=10_000)
    parser.add_argument(
        "--languages",
        default=None,
        help="comma-separated codes (de,fr,es): the whole check on each one's held-out set; "
        "with --with-rules (make quality-eval) they follow the English report",
    )
    parser.add_argument("--split", choices=["heldout", "dev"], default="heldout", help="for --languages")
    args = parser.parse_args(argv)

    if args.languages is not None and not args.with_rules:
        for code in [c for c in args.languages.split(",") if c]:
            result = evaluate_language(code, CORPUS / args.split / f"{code}.jsonl")
            if args.json:
                json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
                print()
            else:
                print_language_report(result, listing=not args.no_list)
        return 0

    rows = read_rows(args.data)
    result = evaluate(rows, args.language, with_rules=args.with_rules)
    result["data"] = str(args.data)
    if args.bench:
        result["bench"] = bench([r["text"] for r in rows], args.language, args.bench_letters)
    if args.json:
        if args.no_list:
            result.pop("misses")
            result.pop("false_flags")
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print_report(result, args.data, listing=not args.no_list)
        if args.with_rules:  # make quality-eval: the other languages' held-out sets too
            codes = LANGUAGES if args.languages is None else [c for c in args.languages.split(",") if c]
            for code in codes:
                if (CORPUS / "heldout" / f"{code}.jsonl").is_file():
                    print_language_report(evaluate_language(code), listing=not args.no_list)
        if args.bench:
            b = result["bench"]
            print(
                f"\n== speed: one letter of {b['letter_chars']} characters "
                f"({b['letter_sentences']} sentences): p50 {b['one_letter_ms']['p50']} ms, "
                f"p95 {b['one_letter_ms']['p95']} ms; "
                f"{b['bulk_letters']} letters ({b['bulk_sentences']} sentences) in {b['bulk_seconds']} s "
                f"(CPU {b['bulk_cpu_seconds']} s; splitting alone {b['bulk_split_only_seconds']} s); "
                f"load average {b['load_average']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
