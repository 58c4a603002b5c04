"""Train the quality check's sentence classifier and write ``feedback/quality/model/``.

    python -m devtools.quality.train [--no-dev] [--out DIR] [--C 3] [--alpha 0.1]

Deterministic: the same corpus and package versions give byte-identical files (one
BLAS/OpenMP thread, fixed fold order, no randomness, a zip written with fixed dates).

What it does:

1. Reads the corpus: ``devtools/quality/corpus/train/*.jsonl`` (every file, including
   ``extra_*.jsonl``) and, unless ``--no-dev``, ``corpus/dev/en.jsonl``. Never the
   held-out file. Each line is ``{"text", "label", "family", "kind"}`` with label
   ``boilerplate | personal | specific | courtesy``.
2. Verifies the pinned embedding files of ``wordllama==0.4.0.post1`` (sha256), then
   computes features: the mean WordLlama embedding of the lower-cased tokens, and counts
   of token unigrams and hashed token bigrams.
3. Cross-validates by job family (leave one family out) to get out-of-fold
   probabilities, and chooses the advisory and blocking thresholds from them.
4. Fits a multinomial logistic regression on all rows, folds the embedding head into a
   per-token table, and writes ``en-head.npz``, a copy of the tokenizer
   (``en-tokenizer.json``) and ``MANIFEST.json`` (file hashes, package pins, data hash,
   labels, thresholds, cross-validated figures).

Needs the dev requirements (wordllama, scikit-learn); the runtime needs only numpy and
tokenizers.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import io
import json
import shutil
import sys
import zipfile
from collections import Counter
from pathlib import Path

from devtools.quality import REPO_ROOT, classifier_module

CORPUS = REPO_ROOT / "devtools" / "quality" / "corpus"
MODEL_DIR = REPO_ROOT / "feedback" / "quality" / "model"
LANGUAGE = "en"

# The embedding model: the static WordLlama embedding shipped inside the PyPI wheel.
EMBEDDING_PACKAGE = "wordllama"
EMBEDDING_VERSION = "0.4.0.post1"
WEIGHTS_FILE = "wordllama/weights/l2_supercat_256.safetensors"
WEIGHTS_SHA256 = "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5"
TOKENIZER_FILE = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"
TOKENIZER_SHA256 = "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68"
WEIGHTS_TENSOR = "embedding.weight"

CLASSES = ("boilerplate", "personal", "specific", "courtesy")
BIGRAM_BUCKETS = 1 << 18
BIGRAM_MULTIPLIER = 1_000_003

# Hyperparameters, chosen by leave-one-family-out cross-validation on the training corpus
# (see README): weight of the embedding block against the n-gram counts, and the inverse
# L2 strength of the logistic regression.
ALPHA = 0.1
C = 3.0
MAX_ITER = 10_000
TOL = 1e-6

# Threshold rules, applied to the out-of-fold probabilities.
ADVISORY_MAX_SPECIFIC_FLAGGED = 0.02  # overall, below the 3% target
ADVISORY_MAX_SPECIFIC_FLAGGED_FAMILY = 0.04  # in every family, below the 5% target...
FAMILY_MIN_SPECIFIC = 50  # ...counting families with at least this many specific sentences (else noise)
BLOCK_MIN_PRECISION = 0.99  # a blocking finding must be a real finding 99 times out of 100
GRID = [round(0.30 + 0.01 * i, 2) for i in range(69)]  # 0.30 .. 0.98

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Inputs -------------------------------------------------------------------------------------


def corpus_files(corpus: Path, with_dev: bool) -> list[Path]:
    files = sorted((corpus / "train").glob("*.jsonl"))
    if with_dev and (corpus / "dev" / f"{LANGUAGE}.jsonl").is_file():
        files.append(corpus / "dev" / f"{LANGUAGE}.jsonl")
    if not files:
        raise SystemExit(f"No training data in {corpus / 'train'}")
    return files


def read_rows(files: list[Path]) -> list[dict]:
    rows = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in CLASSES or not isinstance(row.get("text"), str):
                raise SystemExit(f"{path}:{n}: need a text and a label in {CLASSES}")
            row.setdefault("family", "unknown")
            row["source"] = path.name
            rows.append(row)
    return rows


def data_hash(files: list[Path], root: Path) -> tuple[str, dict[str, str]]:
    per_file = {str(f.relative_to(root)): sha256_file(f) for f in files}
    digest = hashlib.sha256("".join(f"{k}\n{v}\n" for k, v in sorted(per_file.items())).encode()).hexdigest()
    return digest, per_file


def embedding_files() -> tuple[Path, Path]:
    """The pinned WordLlama weight and tokenizer files, verified."""
    try:
        dist = importlib.metadata.distribution(EMBEDDING_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            f"Training needs {EMBEDDING_PACKAGE}=={EMBEDDING_VERSION} (pip install -r requirements-dev.txt)"
        ) from None
    if dist.version != EMBEDDING_VERSION:
        raise SystemExit(f"Training needs {EMBEDDING_PACKAGE}=={EMBEDDING_VERSION}, found {dist.version}")
    paths = []
    for rel, expected in ((WEIGHTS_FILE, WEIGHTS_SHA256), (TOKENIZER_FILE, TOKENIZER_SHA256)):
        path = Path(dist.locate_file(rel))
        if not path.is_file():
            raise SystemExit(f"{path} is missing from the {EMBEDDING_PACKAGE} install")
        actual = sha256_file(path)
        if actual != expected:
            raise SystemExit(f"{path}: sha256 {actual} differs from the pinned {expected}; refusing to train")
        paths.append(path)
    return paths[0], paths[1]


# --- Features -----------------------------------------------------------------------------------


class Featurizer:
    def __init__(self, weights_path: Path, tokenizer_path: Path):
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.np = np
        self.clf = classifier_module()
        self.embedding = load_file(str(weights_path))[WEIGHTS_TENSOR].astype(np.float32)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.vocab = self.embedding.shape[0]

    def __call__(self, texts: list[str]):
        """(dense mean embeddings [n, 256] float64, sparse counts [n, vocab + buckets] CSR)."""
        import scipy.sparse as sp

        np = self.np
        ids = self.clf.token_ids(self.tokenizer, texts, lower=True)
        dense = np.zeros((len(texts), self.embedding.shape[1]), dtype=np.float64)
        rows, cols = [], []
        for i, seq in enumerate(ids):
            if not seq:
                continue
            arr = np.clip(np.asarray(seq, dtype=np.int64), 0, self.vocab - 1)
            dense[i] = self.embedding[arr].astype(np.float64).mean(axis=0)
            buckets = self.clf.bigram_buckets(
                arr[:-1], arr[1:], multiplier=BIGRAM_MULTIPLIER, buckets=BIGRAM_BUCKETS
            )
            features = np.concatenate([arr, self.vocab + buckets])
            rows.append(np.full(len(features), i))
            cols.append(features)
        rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        counts = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)),
            shape=(len(texts), self.vocab + BIGRAM_BUCKETS),
            dtype=np.float64,
        )
        counts.sum_duplicates()
        counts.sort_indices()
        return dense, counts


class Head:
    """Standardised embedding block (times alpha) + n-gram counts -> multinomial logistic regression."""

    def __init__(self, alpha: float, c: float):
        self.alpha = alpha
        self.c = c

    def fit(self, dense, counts, labels):
        import numpy as np
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        self.mu = dense.mean(axis=0)
        self.sd = dense.std(axis=0)
        self.sd[self.sd == 0] = 1.0
        self.cols = np.unique(counts.nonzero()[1])
        z = sp.hstack([sp.csr_matrix((dense - self.mu) / self.sd * self.alpha), counts[:, self.cols]]).tocsr()
        y = np.array([CLASSES.index(label) for label in labels])
        self.model = LogisticRegression(C=self.c, max_iter=MAX_ITER, tol=TOL)
        self.model.fit(z, y)
        if list(self.model.classes_) != list(range(len(CLASSES))):
            raise SystemExit("every class needs training examples")
        return self

    def class_probabilities(self, dense, counts):
        import scipy.sparse as sp

        z = sp.hstack([sp.csr_matrix((dense - self.mu) / self.sd * self.alpha), counts[:, self.cols]]).tocsr()
        return self.model.predict_proba(z)

    def folded(self, embedding, vocab: int):
        """The head as lookup tables: emb [vocab, C], uni [vocab, C], bigram index/value, bias [C]."""
        import numpy as np

        coef = self.model.coef_  # [C, 256 + used columns]
        dim = embedding.shape[1]
        w_dense = (coef[:, :dim] * self.alpha / self.sd).T  # [256, C]
        bias = self.model.intercept_ - self.mu @ w_dense
        emb = (embedding.astype(np.float64) @ w_dense).astype(np.float32)
        sparse = coef[:, dim:].T  # [used, C]
        uni = np.zeros((vocab, len(CLASSES)), dtype=np.float32)
        is_uni = self.cols < vocab
        uni[self.cols[is_uni]] = sparse[is_uni]
        bi_index = (self.cols[~is_uni] - vocab).astype(np.int32)
        bi_value = sparse[~is_uni].astype(np.float32)
        return {
            "bias": bias.astype(np.float64),
            "emb": emb,
            "uni": uni,
            "bi_index": bi_index,
            "bi_value": bi_value,
        }


# --- Thresholds ---------------------------------------------------------------------------------


def label_probabilities(class_probs):
    """[n, 4] class probabilities -> [n, 3] label probabilities (boilerplate, personal, fine), rounded."""
    import numpy as np

    merged = np.stack([class_probs[:, 0], class_probs[:, 1], class_probs[:, 2] + class_probs[:, 3]], axis=1)
    return np.round(merged, 6)


def decide(probs, threshold: float):
    """Labels ("boilerplate" | "personal" | "fine") under the runtime rule for one threshold."""
    import numpy as np

    flag = np.where(probs[:, 0] >= probs[:, 1], "boilerplate", "personal")
    not_fine = np.round(probs[:, 0] + probs[:, 1], 6)
    return np.where(not_fine >= threshold, flag, "fine")


def rates(rows: list[dict], predicted) -> dict:
    """Recall of each flag label, share of specific and courtesy sentences flagged (overall, per family)."""
    import numpy as np

    labels = np.array([r["label"] for r in rows])
    families = np.array([r["family"] for r in rows])
    predicted = np.asarray(predicted)
    out = {}
    for label in ("boilerplate", "personal"):
        mask = labels == label
        out[f"recall_{label}"] = float((predicted[mask] == label).mean()) if mask.any() else None
    for label in ("specific", "courtesy"):
        mask = labels == label
        out[f"flagged_{label}"] = float((predicted[mask] != "fine").mean()) if mask.any() else None
        out[f"flagged_{label}_by_family"] = {
            fam: float((predicted[mask & (families == fam)] != "fine").mean())
            for fam in sorted(set(families[mask]))
        }
    return out


def choose_thresholds(rows: list[dict], probs) -> dict:
    """Advisory: the lowest threshold whose false flags stay under the caps (most recall).

    Caps: at most 2% of the specific sentences flagged overall, and at most 4% in every
    job family that has at least 50 specific sentences.

    Blocking: the lowest threshold, not below the advisory one, at which at least 99% of
    the flagged sentences are really boilerplate or personal and at most 1% of the
    specific sentences are flagged.
    """
    import numpy as np

    labels = np.array([r["label"] for r in rows])
    advisory = GRID[-1]
    for t in GRID:
        r = rates(rows, decide(probs, t))
        worst = _worst(rows, r)
        if (
            r["flagged_specific"] <= ADVISORY_MAX_SPECIFIC_FLAGGED
            and worst <= ADVISORY_MAX_SPECIFIC_FLAGGED_FAMILY
        ):
            advisory = t
            break
    block = GRID[-1]
    not_fine = np.round(probs[:, 0] + probs[:, 1], 6)
    for t in GRID:
        if t < advisory:
            continue
        hit = not_fine >= t
        if not hit.any():
            break
        precision = np.isin(labels[hit], ["boilerplate", "personal"]).mean()
        if precision >= BLOCK_MIN_PRECISION and rates(rows, decide(probs, t))["flagged_specific"] <= 0.01:
            block = t
            break
    return {"advisory": advisory, "block": block}


# --- Output -------------------------------------------------------------------------------------


def write_npz(path: Path, arrays: dict) -> None:
    """Like numpy.savez_compressed, but byte-for-byte reproducible (fixed order and dates)."""
    import numpy as np

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            data = io.BytesIO()
            np.lib.format.write_array(data, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data.getvalue(), compresslevel=9)
    path.write_bytes(buffer.getvalue())


def rounded(value, digits: int = 4):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    return value


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def _worst(rows: list[dict], r: dict) -> float:
    sizes = Counter(row["family"] for row in rows if row["label"] == "specific")
    by_family = r["flagged_specific_by_family"]
    return max((v for f, v in by_family.items() if sizes[f] >= FAMILY_MIN_SPECIFIC), default=0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS, help="corpus folder (train/*.jsonl, dev/en.jsonl)"
    )
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model folder to write")
    parser.add_argument("--no-dev", action="store_true", help="train on train/*.jsonl only")
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--C", type=float, default=C, dest="c")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (thresholds 0.5/0.8)")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return train(args)


def train(args) -> int:
    import numpy as np

    corpus = args.corpus.resolve()
    files = corpus_files(corpus, with_dev=not args.no_dev)
    rows = read_rows(files)
    digest, per_file = data_hash(files, corpus)
    counted = dict(sorted(Counter(r["label"] for r in rows).items()))
    print(f"{len(rows)} sentences from {len(files)} files: {counted}")

    weights_path, tokenizer_path = embedding_files()
    featurize = Featurizer(weights_path, tokenizer_path)
    dense, counts = featurize([r["text"] for r in rows])
    labels = [r["label"] for r in rows]

    if args.no_cv:
        thresholds = {"advisory": 0.5, "block": 0.8}
        validation = None
    else:
        families = np.array([r["family"] for r in rows])
        oof = np.zeros((len(rows), len(CLASSES)))
        for family in sorted(set(families)):
            test = families == family
            head = Head(args.alpha, args.c).fit(
                dense[~test], counts[~test], [x for x, t in zip(labels, test, strict=True) if not t]
            )
            oof[test] = head.class_probabilities(dense[test], counts[test])
        probs = label_probabilities(oof)
        thresholds = choose_thresholds(rows, probs)
        validation = {
            "method": "leave-one-family-out cross-validation on the training rows",
            "advisory": rounded(rates(rows, decide(probs, thresholds["advisory"]))),
            "block": rounded(rates(rows, decide(probs, thresholds["block"]))),
        }
        print(f"thresholds: {thresholds}")
        for level in ("advisory", "block"):
            v = validation[level]
            print(
                f"  cross-validated at {level}: recall boilerplate {v['recall_boilerplate']:.3f}, "
                f"personal {v['recall_personal']:.3f}; flagged specific {v['flagged_specific']:.3f} "
                f"(worst family with >= {FAMILY_MIN_SPECIFIC} specific: {_worst(rows, v):.3f}), "
                f"courtesy {v['flagged_courtesy']:.3f}"
            )

    head = Head(args.alpha, args.c).fit(dense, counts, labels)
    tables = head.folded(featurize.embedding, featurize.vocab)

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    head_name, tok_name = f"{LANGUAGE}-head.npz", f"{LANGUAGE}-tokenizer.json"
    write_npz(out / head_name, tables)
    shutil.copyfile(tokenizer_path, out / tok_name)

    manifest_path = out / "MANIFEST.json"
    manifest = {"format": 1, "languages": {}}
    if manifest_path.is_file():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if old.get("format") == 1:
            manifest["languages"] = {k: v for k, v in old.get("languages", {}).items() if k != LANGUAGE}
    clf = classifier_module()
    manifest["languages"][LANGUAGE] = {
        "classes": list(CLASSES),
        "labels": {c: clf.CLASS_TO_LABEL[c] for c in CLASSES},
        "files": {head_name: sha256_file(out / head_name), tok_name: sha256_file(out / tok_name)},
        "head": head_name,
        "tokenizer": tok_name,
        "features": {
            "scheme": clf.FEATURE_SCHEME,
            "lowercase": True,
            "bigram_buckets": BIGRAM_BUCKETS,
            "bigram_multiplier": BIGRAM_MULTIPLIER,
        },
        "embedding": {
            "package": f"{EMBEDDING_PACKAGE}=={EMBEDDING_VERSION}",
            "weights": {"path": WEIGHTS_FILE, "sha256": WEIGHTS_SHA256, "tensor": WEIGHTS_TENSOR},
            "tokenizer": {"path": TOKENIZER_FILE, "sha256": TOKENIZER_SHA256, "copied_to": tok_name},
        },
        "thresholds": thresholds,
        "training": {
            "data_sha256": digest,
            "files": per_file,
            "sentences": len(rows),
            "counts": dict(sorted(Counter(labels).items())),
            "alpha": args.alpha,
            "C": args.c,
            "packages": {
                name: package_version(name)
                for name in ("numpy", "scikit-learn", "scipy", "tokenizers", "safetensors")
            },
        },
        "validation": validation,
    }
    manifest_path.write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    clf._reset_for_tests()
    version = "qc-" + hashlib.sha256(manifest_path.read_bytes()).hexdigest()[:16]
    print(f"wrote {out} (model version {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
