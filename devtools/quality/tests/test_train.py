"""Training is reproducible and writes a model the runtime loads (tiny corpus, a few seconds).

Needs the dev requirements (wordllama for the pinned embedding, scikit-learn).
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from devtools.quality import classifier_module

pytest.importorskip("sklearn", reason="training needs scikit-learn (requirements-dev.txt)")
pytest.importorskip("safetensors", reason="training needs wordllama's safetensors (requirements-dev.txt)")
if importlib.util.find_spec("wordllama") is None:  # not imported: its __init__ configures logging
    pytest.skip("training needs wordllama==0.4.0.post1 (requirements-dev.txt)", allow_module_level=True)

from devtools.quality import evaluate, train  # noqa: E402

clf = classifier_module()

TINY = {
    "boilerplate": [
        "Other candidates had more relevant experience.",
        "We found a stronger candidate for the role.",
        "It was a very tough decision.",
        "We will keep your CV on file.",
        "You were not the right fit for the team.",
        "We had many strong applicants.",
    ],
    "personal": [
        "You seemed very nervous.",
        "At your age the pace could be hard.",
        "Your accent was hard to follow.",
        "With young children you may need time off.",
        "You came across as arrogant.",
        "Your religion might clash with weekend shifts.",
    ],
    "specific": [
        "Your query returned duplicate rows for customers with two addresses.",
        "You did not check the allergy record before giving the antibiotic.",
        "The rota left Saturday night with one person.",
        "Your reconciliation missed the duplicated invoice.",
        "You quoted a price before asking about the budget.",
        "The checkout flow had no error state for a declined card.",
    ],
    "courtesy": [
        "Thank you for your time.",
        "Kind regards, Anna",
        "We appreciate your interest in the role.",
        "Good luck with your search.",
        "Dear Sam,",
        "Please get in touch if you have questions.",
    ],
}


@pytest.fixture
def tiny_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "train").mkdir(parents=True)
    (corpus / "dev").mkdir()
    for n, family in enumerate(("software", "sales")):
        with (corpus / "train" / f"{family}.jsonl").open("w") as fh:
            for label, texts in TINY.items():
                for text in texts[n * 3 : n * 3 + 3]:
                    fh.write(json.dumps({"text": text, "label": label, "family": family, "kind": "x"}) + "\n")
    with (corpus / "dev" / "en.jsonl").open("w") as fh:
        fh.write(
            json.dumps({"text": "Thanks again, and all the best.", "label": "courtesy", "family": "design"})
            + "\n"
        )
    return corpus


def test_training_twice_gives_byte_identical_files(tiny_corpus, tmp_path, monkeypatch):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert train.main(["--corpus", str(tiny_corpus), "--out", str(out)]) == 0
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == ["MANIFEST.json", "en-head.npz", "en-tokenizer.json"]
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name

    manifest = json.loads((outs[0] / "MANIFEST.json").read_text())
    section = manifest["languages"]["en"]
    assert section["training"]["sentences"] == 25
    assert set(section["training"]["files"]) == {"train/sales.jsonl", "train/software.jsonl", "dev/en.jsonl"}
    assert section["embedding"]["weights"]["sha256"] == train.WEIGHTS_SHA256

    # The runtime loads what training wrote, and reproduces the training-time probabilities.
    monkeypatch.setattr(clf, "MODEL_DIR", outs[0])
    clf._reset_for_tests()
    try:
        texts = [t for texts in TINY.values() for t in texts]
        predictions = clf.classify(texts)
        assert [p.label for p in predictions[:6]].count("boilerplate") >= 4
        assert [p.label for p in predictions[6:12]].count("personal") >= 4
        assert all(p.label == "fine" for p in predictions[12:])

        featurize = train.Featurizer(*train.embedding_files())
        rows = train.read_rows(train.corpus_files(tiny_corpus, with_dev=True))
        dense, counts = featurize([r["text"] for r in rows])
        head = train.Head(train.ALPHA, train.C).fit(dense, counts, [r["label"] for r in rows])
        expected = train.label_probabilities(head.class_probabilities(*featurize(texts)))
        got = clf._model("en").label_probabilities(texts)
        assert abs(expected - got).max() < 1e-4

        # evaluate.py runs on the same model.
        data = tiny_corpus / "train" / "sales.jsonl"
        result = evaluate.evaluate(evaluate.read_rows(data))
        assert result["n"] == 12 and result["advisory"]["boilerplate"]["recall"] is not None
    finally:
        clf._reset_for_tests()


def test_training_ignores_the_held_out_file_and_keeps_other_languages(tiny_corpus, tmp_path):
    out = tmp_path / "model"
    out.mkdir()
    (out / "MANIFEST.json").write_text(json.dumps({"format": 1, "languages": {"de": {"placeholder": True}}}))
    (tiny_corpus / "heldout").mkdir()
    (tiny_corpus / "heldout" / "en.jsonl").write_text('{"text": "x", "label": "nonsense"}\n')
    assert train.main(["--corpus", str(tiny_corpus), "--out", str(out), "--no-cv"]) == 0
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert set(manifest["languages"]) == {"de", "en"}
    assert not any("heldout" in name for name in manifest["languages"]["en"]["training"]["files"])
