"""Text classifier: request text in, calibrated probabilities over the labels out.

Pure Python and scikit-learn (no Django models), so the `router` command, the services and
the benchmarks all use the same code. The recipe (`RECIPE`), chosen by 5-fold
cross-validation on shared/data/teddycup2020c (bench/classifier.py, bench/README.md):

* every text is normalised (`normalise`) and cut to its first 3,000 characters; its character
  n-grams are counted once and hashed (stateless), so each fold only learns document
  frequencies and weights. Character n-grams serve Chinese and English alike: no word
  segmenter is needed (jieba words in model B scored the same, macro-F1 0.905, and cost 60%
  of the time to classify a message);
* model A: TF-IDF of character bigrams (sublinear tf, min_df 2) and a linear SVM trained by
  SGD (hinge loss, balanced class weights, 15 epochs);
* model B: TF-IDF of character trigrams plus TF-IDF of character uni/bigrams of the first
  40 characters (the title, or what stands in for it), with the same kind of SVM;
* their 2 x k decision scores, taken out-of-fold (k-fold inside `train`), are the inputs of a
  multinomial logistic regression: the calibrator that turns scores into probabilities.

The same out-of-fold predictions (calibrated by a cross-validated calibrator, so no
prediction has seen its own label) give the stored metrics and `threshold`: the lowest
confidence at which the predictions at or above it were right at least `TARGET_PRECISION`
of the time. A model file is trusted code (joblib pickles): load only files you made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.utils import timezone
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

FORMAT = "needle.textmodel"
FORMAT_VERSION = 2
RECIPE = "char2+char3+head40/sgd-svm-pair/logreg-calibrated/v2"
TARGET_PRECISION = 0.97
HEAD_CHARS = 40
CALIBRATION_FOLDS = 5
EPOCHS = 15
# Only the first 3,000 characters are read (99% of messages are shorter), so the time to classify
# stays bounded; cutting at 600 cost 0.4 points of macro-F1 in cross-validation.
TEXT_CHARS = 3000

_SPACE_NEAR_CJK = re.compile(
    r"\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+"
)
_SPACES = re.compile(r"\s+")


class TextModelError(ValueError):
    """Bad training data or a file that is not a model of this format."""


def normalise(text: str) -> str:
    """Drop whitespace next to Chinese characters (the training data has none) and squeeze the rest."""
    text = _SPACE_NEAR_CJK.sub("", text or "")
    return _SPACES.sub(" ", text).strip()


def _docs(texts: Sequence[str]) -> list[str]:
    return [normalise(text)[:TEXT_CHARS] for text in texts]


def _hashing(**options: Any) -> HashingVectorizer:
    # Stateless: a text's counts never depend on the other texts, so train() counts every text
    # once and each fold only fits what is learnt (document frequencies and weights).
    return HashingVectorizer(n_features=2**20, alternate_sign=False, norm=None, dtype=np.float64, **options)


_CHARS = _hashing(analyzer="char", ngram_range=(2, 2))
_TRIGRAMS = _hashing(analyzer="char", ngram_range=(3, 3))
_HEAD = _hashing(analyzer="char", ngram_range=(1, 2))


@dataclass
class _Counts:
    """Term counts of some documents: character bigrams, trigrams, and the head's characters."""

    chars: sparse.csr_matrix
    trigrams: sparse.csr_matrix
    head: sparse.csr_matrix

    @classmethod
    def of(cls, docs: Sequence[str]) -> _Counts:
        return cls(
            chars=_CHARS.transform(docs),
            trigrams=_TRIGRAMS.transform(docs),
            head=_HEAD.transform([d[:HEAD_CHARS] for d in docs]),
        )

    def rows(self, index: np.ndarray) -> _Counts:
        return _Counts(self.chars[index], self.trigrams[index], self.head[index])


class _Tfidf:
    """Sublinear TF-IDF with l2 rows over the terms seen in at least `min_df` training documents.

    Keeping only those columns (not all 2**20 hashed ones) keeps the linear models small; the
    columns are found by binary search, so a one-message call costs what its terms cost.
    """

    def __init__(self, min_df: int = 1) -> None:
        self.min_df = min_df

    def fit(self, counts: sparse.csr_matrix) -> _Tfidf:
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        # The hashed counts' own index type: searching int32 indices in int64 columns would copy the columns.
        self.columns = np.flatnonzero(df >= self.min_df).astype(counts.indices.dtype)
        self.idf = np.log((1 + n) / (1 + df[self.columns])) + 1.0
        return self

    def _weighed(self, counts: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF value and column position of every stored count (0 for unknown terms)."""
        n_rows, width = counts.shape[0], len(self.columns)
        indices = counts.indices.astype(self.columns.dtype, copy=False)
        position = np.minimum(np.searchsorted(self.columns, indices), width - 1)
        known = self.columns[position] == indices
        data = np.where(known, (np.log(counts.data) + 1.0) * self.idf[position], 0.0)
        rows = np.repeat(np.arange(n_rows), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_rows))
        data /= np.where(norms > 0, norms, 1.0)[rows]
        return data, position

    def transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        n_rows, width = counts.shape[0], len(self.columns)
        if width == 0:
            return sparse.csr_matrix((n_rows, 0))
        data, position = self._weighed(counts)
        weighted = sparse.csr_matrix((data, position, counts.indptr.copy()), shape=(n_rows, width))
        weighted.eliminate_zeros()
        return weighted

    def times(self, counts: sparse.csr_matrix, weights: np.ndarray) -> np.ndarray:
        """`transform(counts) @ weights`; for one document without building a sparse matrix,
        whose checks cost more than the product (how each new case is triaged)."""
        if counts.shape[0] != 1 or len(self.columns) == 0:
            return np.asarray(self.transform(counts) @ weights)
        data, position = self._weighed(counts)
        return (data @ weights[position])[np.newaxis, :]


def _svm(seed: int) -> SGDClassifier:
    # A fixed number of epochs (tol=None) keeps training time predictable and linear in n.
    return SGDClassifier(alpha=2e-5, class_weight="balanced", max_iter=EPOCHS, tol=None, random_state=seed)


class _Scorer:
    """Model A on character bigrams, model B on trigrams + head; `scores` puts their decisions side by side."""

    def __init__(self, seed: int) -> None:
        self.chars, self.trigrams, self.head = _Tfidf(min_df=2), _Tfidf(), _Tfidf()
        self.svm_a, self.svm_b = _svm(seed), _svm(seed)

    def fit(self, counts: _Counts, y: np.ndarray) -> _Scorer:
        self.chars.fit(counts.chars)
        self.trigrams.fit(counts.trigrams)
        self.head.fit(counts.head)
        self.svm_a.fit(self.chars.transform(counts.chars), y)
        self.svm_b.fit(self._b(counts), y)
        # Contiguous (features x classes) copies: a sparse row times coef_.T would copy coef_ each call.
        trigrams = len(self.trigrams.columns)
        self.weights = [
            np.ascontiguousarray(self.svm_a.coef_.T),
            np.ascontiguousarray(self.svm_b.coef_[:, :trigrams].T),
            np.ascontiguousarray(self.svm_b.coef_[:, trigrams:].T),
        ]
        return self

    def _b(self, counts: _Counts) -> sparse.csr_matrix:
        return sparse.hstack(
            [self.trigrams.transform(counts.trigrams), self.head.transform(counts.head)], format="csr"
        )

    def scores(self, counts: _Counts) -> np.ndarray:
        # The linear decision written out: sklearn's input checks cost more than the product here.
        a = self.chars.times(counts.chars, self.weights[0]) + self.svm_a.intercept_
        b = (
            self.trigrams.times(counts.trigrams, self.weights[1])
            + self.head.times(counts.head, self.weights[2])
            + self.svm_b.intercept_
        )
        return np.hstack([a, b])


def _calibrator() -> Pipeline:
    # Scaled scores keep L-BFGS well conditioned: small training sets give large, separable scores.
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=300))


def _calibrated(calibrator: Pipeline, scores: np.ndarray) -> np.ndarray:
    """`calibrator.predict_proba(scores)` written out, without sklearn's per-call input checks."""
    scaler, logistic = calibrator[0], calibrator[-1]
    logits = ((scores - scaler.mean_) / scaler.scale_) @ logistic.coef_.T + logistic.intercept_
    if logits.shape[1] == 1:  # two labels: one logit for the second
        logits = np.hstack([np.zeros_like(logits), logits])
    logits -= logits.max(axis=1, keepdims=True)
    odds = np.exp(logits)
    return odds / odds.sum(axis=1, keepdims=True)


@dataclass
class TextModel:
    labels: list[str]
    metrics: dict
    threshold: float
    version: str
    _scorer: _Scorer = field(repr=False, default=None)  # type: ignore[assignment]
    _calibrator: Pipeline = field(repr=False, default=None)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text (rows sum to 1), one column per label in `labels` order."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        return _calibrated(self._calibrator, self._scorer.scores(_Counts.of(_docs(texts))))

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The `k` likeliest labels of one text, best first."""
        proba = self.predict_proba([text])[0]
        order = np.argsort(-proba, kind="stable")[:k]
        return [(self.labels[i], float(proba[i])) for i in order]

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, confidence) per text; route automatically only when confidence >= `threshold`."""
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        return [(self.labels[i], float(proba[row, i])) for row, i in enumerate(best)]


def report(labels: Sequence[str], y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """accuracy, macro_f1, per_class {label: precision, recall, f1, support}, confusion {labels, matrix}."""
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }


def threshold_for(confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The lowest confidence t with precision(confidence >= t) >= target; 1.0 when there is none."""
    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], correct[order].astype(float)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    # Only the last of equal confidences is a possible cut: ">= t" takes all of them.
    last_of_tie = np.append(conf[1:] != conf[:-1], True)
    ok = np.flatnonzero((precision >= target) & last_of_tie)
    return float(conf[ok[-1]]) if len(ok) else 1.0


def _check(texts: Sequence[str], labels: Sequence[str]) -> tuple[np.ndarray, list[str], int]:
    if len(texts) != len(labels):
        raise TextModelError(f"{len(texts)} texts but {len(labels)} labels")
    y = np.asarray([str(label) for label in labels], dtype=object)
    names, counts = np.unique(y, return_counts=True)
    if len(names) < 2:
        raise TextModelError("training needs at least two different labels")
    if counts.min() < 2:
        rare = ", ".join(str(n) for n, c in zip(names, counts, strict=True) if c < 2)
        raise TextModelError(f"every label needs at least two examples; one only: {rare}")
    return y, [str(n) for n in names], int(min(CALIBRATION_FOLDS, counts.min()))


def train(texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> TextModel:
    """Fit the recipe on all texts; metrics and threshold come from k-fold out-of-fold predictions."""
    y, names, folds = _check(texts, labels)
    counts = _Counts.of(_docs(texts))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    held_out = np.zeros((len(y), 0))
    for fold, (fit_idx, test_idx) in enumerate(splitter.split(y, y)):
        s = _Scorer(seed).fit(counts.rows(fit_idx), y[fit_idx]).scores(counts.rows(test_idx))
        if fold == 0:
            held_out = np.zeros((len(y), s.shape[1]))
        held_out[test_idx] = s
    # The calibrator is cross-validated too, so the held-out probabilities never saw their labels.
    proba = cross_val_predict(_calibrator(), held_out, y, cv=splitter, method="predict_proba")
    predicted = np.asarray(names, dtype=object)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    correct = predicted == y
    threshold = threshold_for(confidence, correct)
    covered = confidence >= threshold
    trained_at = timezone.now()
    version = f"{FORMAT_VERSION}.{trained_at:%Y%m%dT%H%M%SZ}"
    metrics = report(names, list(y), list(predicted))
    metrics.update(
        {
            "evaluation": f"{folds}-fold cross-validation (out-of-fold predictions)",
            "threshold": threshold,
            "threshold_precision": float(correct[covered].mean()) if covered.any() else None,
            "threshold_coverage": float(covered.mean()),
            "target_precision": TARGET_PRECISION,
            "trained_at": trained_at.isoformat(),
            "version": version,
            "recipe": RECIPE,
            "seed": seed,
        }
    )
    return TextModel(
        labels=names,
        metrics=metrics,
        threshold=threshold,
        version=version,
        _scorer=_Scorer(seed).fit(counts, y),
        _calibrator=_calibrator().fit(held_out, y),
    )


def evaluate(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """The model's figures on labelled texts (labels it does not know count as errors)."""
    if len(texts) != len(labels):
        raise TextModelError(f"{len(texts)} texts but {len(labels)} labels")
    predicted = [label for label, _ in model.predict(texts)]
    truth = [str(label) for label in labels]
    known = list(model.labels) + sorted(set(truth) - set(model.labels))
    return report(known, truth, predicted)


@dataclass
class HeldOut:
    """Outer k-fold predictions: label, confidence and the threshold of the model that made each one."""

    labels: list[str]
    truth: list[str]
    predicted: list[str]
    confidence: np.ndarray
    threshold: np.ndarray


def held_out_predictions(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    splits: Sequence[tuple] | None = None,
) -> HeldOut:
    """`train` on k-1 folds, predict the fold left out; `splits` (index pairs) replaces stratified k-fold."""
    y, names, _ = _check(texts, labels)
    if splits is None:
        counts = np.unique(y, return_counts=True)[1]
        if folds < 2 or counts.min() < folds:
            raise TextModelError(
                f"{folds}-fold cross-validation needs at least {max(folds, 2)} examples of every label"
            )
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y))
    predicted = np.empty(len(y), dtype=object)
    confidence, threshold = np.zeros(len(y)), np.zeros(len(y))
    for fit_idx, test_idx in splits:
        model = train([texts[i] for i in fit_idx], list(y[fit_idx]), seed=seed)
        pairs = model.predict([texts[i] for i in test_idx])
        predicted[test_idx] = [label for label, _ in pairs]
        confidence[test_idx] = [c for _, c in pairs]
        threshold[test_idx] = model.threshold
    return HeldOut(names, list(y), list(predicted), confidence, threshold)


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """k-fold stratified cross-validation (shuffled) of the whole recipe, the inner calibration included."""
    held = held_out_predictions(texts, labels, folds=folds, seed=seed)
    result = report(held.labels, held.truth, held.predicted)
    auto = held.confidence >= held.threshold
    correct = np.asarray(held.truth, dtype=object) == np.asarray(held.predicted, dtype=object)
    result.update(
        {
            "folds": folds,
            "seed": seed,
            "recipe": RECIPE,
            # Each fold's own threshold applied to the fold it never saw.
            "auto_coverage": float(auto.mean()),
            "auto_precision": float(correct[auto].mean()) if auto.any() else None,
        }
    )
    return result


def save(model: TextModel, path: str | Path) -> None:
    """One joblib file: the format tag and version, the metrics and the fitted model."""
    joblib.dump({"format": FORMAT, "format_version": FORMAT_VERSION, "model": model}, path, compress=3)


def load(path: str | Path) -> TextModel:
    """The model in `path`; TextModelError if the file is not a model of this format version."""
    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        raise TextModelError(f"{path}: no such file") from None
    except Exception as exc:
        raise TextModelError(f"{path}: not a text model file ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise TextModelError(f"{path}: not a text model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise TextModelError(
            f"{path}: text model format version {payload.get('format_version')}, "
            f"this Needle reads version {FORMAT_VERSION}; train the model again"
        )
    model = payload.get("model")
    if not isinstance(model, TextModel):
        raise TextModelError(f"{path}: not a text model file")
    return model
