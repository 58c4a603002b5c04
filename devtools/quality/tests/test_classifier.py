"""The sentence classifier's runtime: loading and verifying the model, predictions, splitting.

Plain pytest, no database. No timing assertions (speed is measured by
``python -m devtools.quality.evaluate --bench``).
"""

from __future__ import annotations

import json
import shutil
import threading

import pytest

from devtools.quality import classifier_module

clf = classifier_module()

SENTENCES = [
    "Other candidates had more relevant experience.",
    "You seemed very nervous and your accent was hard to follow.",
    "Your SQL query joined the orders table twice and returned duplicated rows.",
    "Thank you for taking the time to meet us.",
    "The aggressive caching you proposed would serve stale prices for an hour.",
    "",
    "   ",
    "é" * 5000,
]


@pytest.fixture
def model_copy(tmp_path, monkeypatch):
    """A private copy of the shipped model folder, used instead of the real one."""
    target = tmp_path / "model"
    shutil.copytree(clf.MODEL_DIR, target)
    monkeypatch.setattr(clf, "MODEL_DIR", target)
    clf._reset_for_tests()
    yield target
    clf._reset_for_tests()


# --- Loading and verification ---------------------------------------------------------------------


def test_shipped_manifest_lists_existing_files_with_their_hashes():
    manifest = json.loads((clf.MODEL_DIR / clf.MANIFEST_NAME).read_text())
    assert manifest["format"] == clf.MANIFEST_FORMAT
    section = manifest["languages"]["en"]
    assert set(section["files"]) == {section["head"], section["tokenizer"]}
    for name, digest in section["files"].items():
        assert clf._sha256(clf.MODEL_DIR / name) == digest
    assert section["embedding"]["package"] == "wordllama==0.4.0.post1"
    assert section["features"]["scheme"] == clf.FEATURE_SCHEME
    assert 0 < section["thresholds"]["advisory"] <= section["thresholds"]["block"] < 1


def test_a_tampered_model_file_is_refused(model_copy):
    manifest = json.loads((model_copy / clf.MANIFEST_NAME).read_text())
    head = model_copy / manifest["languages"]["en"]["head"]
    data = bytearray(head.read_bytes())
    data[len(data) // 2] ^= 0xFF
    head.write_bytes(bytes(data))
    with pytest.raises(clf.ClassifierUnavailable, match="does not match MANIFEST.json"):
        clf.classify(["Thank you for your time."])


def test_a_tampered_tokenizer_is_refused(model_copy):
    manifest = json.loads((model_copy / clf.MANIFEST_NAME).read_text())
    tokenizer = model_copy / manifest["languages"]["en"]["tokenizer"]
    tokenizer.write_text(tokenizer.read_text().replace('"<unk>"', '"<UNK>"', 1))
    with pytest.raises(clf.ClassifierUnavailable, match="sha256"):
        clf.load("en")


def test_a_missing_model_file_is_refused(model_copy):
    manifest = json.loads((model_copy / clf.MANIFEST_NAME).read_text())
    (model_copy / manifest["languages"]["en"]["tokenizer"]).unlink()
    with pytest.raises(clf.ClassifierUnavailable, match="is missing"):
        clf.classify(["Thank you for your time."])


def test_a_missing_manifest_is_a_clear_error(model_copy):
    (model_copy / clf.MANIFEST_NAME).unlink()
    with pytest.raises(clf.ClassifierUnavailable, match="manifest"):
        clf.available_languages()
    with pytest.raises(clf.ClassifierUnavailable):
        clf.MODEL_VERSION  # noqa: B018


def test_a_manifest_for_another_feature_scheme_is_refused(model_copy):
    path = model_copy / clf.MANIFEST_NAME
    manifest = json.loads(path.read_text())
    manifest["languages"]["en"]["features"]["scheme"] = "something-else/9"
    path.write_text(json.dumps(manifest))
    with pytest.raises(clf.ClassifierUnavailable, match="feature scheme"):
        clf.load("en")


def test_language_selects_the_model():
    assert "en" in clf.available_languages()
    assert clf.classify(["Thanks."], language="en-GB") == clf.classify(["Thanks."], language="en")
    with pytest.raises(clf.LanguageNotAvailable, match="available: en"):
        clf.classify(["Danke für Ihre Zeit."], language="de")
    assert issubclass(clf.LanguageNotAvailable, clf.ClassifierUnavailable)


def test_model_version_follows_the_manifest(model_copy):
    version = clf.MODEL_VERSION
    assert version == clf.model_version() and version.startswith("qc-") and len(version) == 19
    assert clf.model_version("en").startswith("qc-en-")
    path = model_copy / clf.MANIFEST_NAME
    manifest = json.loads(path.read_text())
    manifest["languages"]["en"]["thresholds"]["block"] = 0.99
    path.write_text(json.dumps(manifest))
    clf._reset_for_tests()
    assert clf.MODEL_VERSION != version


# --- Predictions ------------------------------------------------------------------------------------


def test_predictions_have_labels_probabilities_and_levels():
    predictions = clf.classify(SENTENCES)
    assert len(predictions) == len(SENTENCES)
    t = clf.thresholds("en")
    for p in predictions:
        assert p.label in clf.LABELS
        assert set(p.probabilities) == set(clf.LABELS)
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert all(0.0 <= v <= 1.0 for v in p.probabilities.values())
        assert p.confidence == p.probabilities[p.label]
        if p.flag_probability >= t["block"]:
            assert p.level == clf.BLOCK and p.label != clf.FINE
        elif p.flag_probability >= t["advisory"]:
            assert p.level == clf.ADVISORY and p.label != clf.FINE
        else:
            assert p.level is None and p.label == clf.FINE
        if p.flagged:
            assert (
                p.probabilities[p.label]
                >= p.probabilities[{"boilerplate": "personal"}.get(p.label, "boilerplate")]
            )
    assert clf.classify([]) == []


def test_obvious_sentences_get_the_right_label():
    labels = [p.label for p in clf.classify(SENTENCES[:4])]
    assert labels == ["boilerplate", "personal", "fine", "fine"]


def test_predictions_are_deterministic_and_independent_of_the_batch():
    first = clf.classify(SENTENCES)
    assert clf.classify(SENTENCES) == first
    assert clf.classify(list(reversed(SENTENCES))) == list(reversed(first))
    for sentence, expected in zip(SENTENCES, first, strict=True):
        assert clf.classify([sentence]) == [expected]
    clf._reset_for_tests()  # a fresh load gives the same result
    assert clf.classify(SENTENCES) == first


def test_classify_refuses_a_bare_string():
    with pytest.raises(TypeError):
        clf.classify("Thank you for your time.")


def test_word_cache_gives_the_tokenizer_s_own_ids():
    model = clf._model("en")
    texts = SENTENCES + [
        "naïve café — “quotes” 3.5% e.g. Dr. Smith's résumé",
        "emoji 😀 and\ttabs\n",
        "ＦＵＬＬ width",
    ]
    assert model.token_ids(texts) == clf.token_ids(model.tokenizer, texts, lower=True)


def test_classification_is_thread_safe():
    clf._reset_for_tests()
    expected = None
    results = []
    errors = []

    def work():
        try:
            results.append(clf.classify(SENTENCES * 20))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    expected = clf.classify(SENTENCES * 20)
    assert all(r == expected for r in results)


def test_classify_text_and_texts_give_spans_into_the_text():
    text = (
        "Dear Sam,\n\nThank you for your time. Other candidates were a closer match.\n\nKind regards,\nAnna"
    )
    results = clf.classify_text(text)
    assert [r.sentence for r in results] == [
        "Dear Sam,",
        "Thank you for your time.",
        "Other candidates were a closer match.",
        "Kind regards,",
        "Anna",
    ]
    for r in results:
        assert text[r.start : r.end] == r.sentence
    assert results[2].prediction.label == "boilerplate"
    bulk = clf.classify_texts([text, "", text])
    assert bulk[0] == results and bulk[1] == [] and bulk[2] == results


# --- Sentence splitting ------------------------------------------------------------------------------


def sentences(text):
    spans = clf.split_sentences(text)
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\n ", []),
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        (
            "Use a cache, e.g. Redis. It helps.",
            ["Use a cache, e.g. Redis.", "It helps."],
        ),
        ("Ask Dr. Smith and Mr. Jones. They know.", ["Ask Dr. Smith and Mr. Jones.", "They know."]),
        (
            "Latency rose 3.5 times to 2.75 s. Then it fell.",
            ["Latency rose 3.5 times to 2.75 s.", "Then it fell."],
        ),
        ("See No. 3 in the list. Done.", ["See No. 3 in the list.", "Done."]),
        ("We use Python, Go, etc. The team is small.", ["We use Python, Go, etc.", "The team is small."]),
        ("Apples, pears etc. and more.", ["Apples, pears etc. and more."]),
        ("Ask J. Smith. He knows.", ["Ask J. Smith.", "He knows."]),
        ("It fell... Then it rose.", ["It fell...", "Then it rose."]),
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        (
            "Visit example.com or v2.0 of the API. Thanks.",
            ["Visit example.com or v2.0 of the API.", "Thanks."],
        ),
        ("i.e. this one. And i.e. that one.", ["i.e. this one.", "And i.e. that one."]),
        (
            "Dear Sam,\r\nThanks for your time.\r\nBest,\r\nAnna",
            ["Dear Sam,", "Thanks for your time.", "Best,", "Anna"],
        ),
        (
            "Your solution did not handle the\nempty list, and the tests\nfailed.",
            ["Your solution did not handle the\nempty list, and the tests\nfailed."],
        ),
        (
            "Points:\n- Good use of tests\n- Missed the edge case. Fix it.\n* Slow query\n• Clear naming",
            [
                "Points:",
                "Good use of tests",
                "Missed the edge case.",
                "Fix it.",
                "Slow query",
                "Clear naming",
            ],
        ),
        (
            "1. First point\n2) Second point\na) sub point\n(iv) roman",
            ["First point", "Second point", "sub point", "roman"],
        ),
        ("Too quiet\nNervous", ["Too quiet", "Nervous"]),
        ("---\n- \nOK", ["OK"]),
        ("Wow!!! Really?! yes.", ["Wow!!!", "Really?! yes."]),
    ],
)
def test_split_sentences(text, expected):
    assert sentences(text) == expected


def test_split_sentences_spans_are_ordered_and_disjoint():
    text = "A. B. C.\n\n- D? E!\n1. F\nG h\ni j. K l."
    spans = clf.split_sentences(text)
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
