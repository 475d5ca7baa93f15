"""The text classifier: probabilities, threshold, metrics, files, Chinese and English."""

from __future__ import annotations

import csv
from pathlib import Path

import joblib
import numpy as np
import pytest

from needle.intel import textmodel as tm

DATA = Path(__file__).parent / "data"


def read(name: str, text: str, label: str) -> tuple[list[str], list[str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r[text] for r in rows], [r[label] for r in rows]


@pytest.fixture(scope="module")
def teddy() -> tuple[list[str], list[str]]:
    return read("teddycup_sample.csv", "text", "label_l1")


@pytest.fixture(scope="module")
def model(teddy: tuple[list[str], list[str]]) -> tm.TextModel:
    texts, labels = teddy
    return tm.train(texts[:200], labels[:200])


@pytest.fixture(scope="module")
def english() -> tm.TextModel:
    return tm.train(*read("nyc311_sample.csv", "description", "Agency"))


def test_probabilities_are_rows_over_the_labels(
    model: tm.TextModel, teddy: tuple[list[str], list[str]]
) -> None:
    texts, _ = teddy
    proba = model.predict_proba(texts[200:210])
    assert proba.shape == (10, 7)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.labels == sorted(set(teddy[1]))
    assert model.predict_proba([]).shape == (0, 7)


def test_one_message_scores_as_in_a_batch(model: tm.TextModel, teddy: tuple[list[str], list[str]]) -> None:
    # One message takes the path without sparse matrices; it must give the batch's probabilities.
    texts = [*teddy[0][200:205], "", "路灯"]
    one_by_one = np.vstack([model.predict_proba([text]) for text in texts])
    assert np.allclose(one_by_one, model.predict_proba(texts), rtol=0, atol=1e-12)


def test_top_and_predict_agree(model: tm.TextModel, teddy: tuple[list[str], list[str]]) -> None:
    text = teddy[0][205]
    top = model.top(text, k=3)
    assert len(top) == 3
    assert [c for _, c in top] == sorted((c for _, c in top), reverse=True)
    label, confidence = model.predict([text])[0]
    assert (label, confidence) == pytest.approx(top[0]) or (
        label == top[0][0] and confidence == pytest.approx(top[0][1])
    )
    assert label in model.labels


def test_learns_the_categories_of_unseen_messages(
    model: tm.TextModel, teddy: tuple[list[str], list[str]]
) -> None:
    texts, labels = teddy
    figures = tm.evaluate(model, texts[200:], labels[200:])
    # 200 training messages are few; chance is 1/7.
    assert figures["accuracy"] > 0.5
    assert set(figures["per_class"]) == set(model.labels)
    assert sum(map(sum, figures["confusion"]["matrix"])) == 80


def test_metrics_are_stored(model: tm.TextModel) -> None:
    m = model.metrics
    for key in (
        "accuracy",
        "macro_f1",
        "per_class",
        "confusion",
        "n",
        "trained_at",
        "version",
        "recipe",
        "threshold",
    ):
        assert key in m
    assert m["n"] == 200
    assert m["recipe"] == tm.RECIPE
    assert m["version"] == model.version
    assert m["threshold"] == model.threshold
    assert "cross-validation" in m["evaluation"]


def test_threshold_is_the_lowest_confidence_with_the_target_precision() -> None:
    confidence = np.array([0.99, 0.95, 0.9, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, False, True, True, False])
    # At >= 0.95: 2/2; at >= 0.9: 3/4; at >= 0.7: 5/6 (>= 0.8); at >= 0.6: 5/7.
    assert tm.threshold_for(confidence, correct, target=1.0) == 0.95
    assert tm.threshold_for(confidence, correct, target=0.8) == 0.7
    assert tm.threshold_for(confidence, correct, target=0.75) == 0.7
    assert tm.threshold_for(np.array([0.5]), np.array([False])) == 1.0


def test_threshold_holds_on_held_out_predictions(
    model: tm.TextModel, teddy: tuple[list[str], list[str]]
) -> None:
    assert model.metrics["threshold_precision"] >= tm.TARGET_PRECISION
    texts, labels = teddy
    pairs = model.predict(texts[200:])
    auto = [
        (label, truth) for (label, c), truth in zip(pairs, labels[200:], strict=True) if c >= model.threshold
    ]
    assert auto, "some unseen messages are confident enough"
    assert sum(label == truth for label, truth in auto) / len(auto) >= tm.TARGET_PRECISION


def test_save_and_load_give_the_same_model(
    model: tm.TextModel, teddy: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    path = tmp_path / "m.joblib"
    tm.save(model, path)
    loaded = tm.load(path)
    assert loaded.labels == model.labels
    assert loaded.metrics == model.metrics
    assert loaded.version == model.version
    assert np.allclose(loaded.predict_proba(teddy[0][200:205]), model.predict_proba(teddy[0][200:205]))


def test_load_refuses_other_formats(model: tm.TextModel, tmp_path: Path) -> None:
    old = tmp_path / "old.joblib"
    joblib.dump({"format": tm.FORMAT, "format_version": tm.FORMAT_VERSION + 1, "model": model}, old)
    with pytest.raises(tm.TextModelError, match="format version"):
        tm.load(old)
    other = tmp_path / "other.joblib"
    joblib.dump({"weights": [1, 2]}, other)
    with pytest.raises(tm.TextModelError, match="not a text model"):
        tm.load(other)
    text = tmp_path / "text.csv"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(tm.TextModelError, match="not a text model"):
        tm.load(text)
    with pytest.raises(tm.TextModelError, match="no such file"):
        tm.load(tmp_path / "missing.joblib")


def test_english_text(english: tm.TextModel) -> None:
    assert english.top("Noise - Residential: Loud Music/Party (Residential Building/House)")[0][0] == "NYPD"
    assert english.top("HEAT/HOT WATER: ENTIRE BUILDING (RESIDENTIAL BUILDING)")[0][0] == "HPD"
    assert english.top("Street Condition: Pothole")[0][0] == "DOT"


def test_cross_validate_reports_every_figure() -> None:
    texts, labels = read("nyc311_sample.csv", "description", "Agency")
    result = tm.cross_validate(texts, labels, folds=2)
    assert result["n"] == 200
    assert result["folds"] == 2
    assert result["macro_f1"] > 0.8
    assert set(result["per_class"]["HPD"]) == {"precision", "recall", "f1", "support"}
    assert result["confusion"]["labels"] == sorted(set(labels))


def test_training_needs_two_examples_of_two_labels() -> None:
    with pytest.raises(tm.TextModelError, match="two different labels"):
        tm.train(["a b", "c d"], ["x", "x"])
    with pytest.raises(tm.TextModelError, match="at least two examples"):
        tm.train(["a b", "c d", "e f"], ["x", "x", "y"])
    with pytest.raises(tm.TextModelError, match="labels"):
        tm.train(["a b"], ["x", "y"])


def test_whitespace_between_chinese_characters_does_not_count() -> None:
    assert tm.normalise("小区 门口\n道路\t破损  please fix   it ") == "小区门口道路破损please fix it"


def test_two_labels() -> None:
    texts, labels = read("nyc311_sample.csv", "description", "Agency")
    pairs = [(t, label) for t, label in zip(texts, labels, strict=True) if label in {"HPD", "NYPD"}]
    model = tm.train([t for t, _ in pairs], [label for _, label in pairs])
    proba = model.predict_proba(["HEAT/HOT WATER: ENTIRE BUILDING", "Noise - Street/Sidewalk: Loud Talking"])
    assert proba.shape == (2, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert [label for label, _ in model.predict(["HEAT/HOT WATER: ENTIRE BUILDING"])] == ["HPD"]
