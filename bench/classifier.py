"""Text classifier (needle/intel/textmodel.py) on shared/data/teddycup2020c: quality and speed.

    .venv/bin/python bench/classifier.py [--skip-baseline] [--skip-groups]

Prints: 5-fold stratified CV (shuffled, seed 0) accuracy and macro-F1 of the recipe and of the
TF-IDF + LinearSVC baselines; the same with near-duplicate texts kept in one fold; the
threshold and the precision/coverage at it; per-message classify latency on one core; the
time to train on 10,000 messages.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import time
from pathlib import Path

# One core: set before numpy/scipy load their BLAS.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
# The model stamps its training time with Django's clock (timezone.now), which reads settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")

import numpy as np  # noqa: E402
from benchlib import SHARED_DATA  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = SHARED_DATA / "teddycup2020c"
csv.field_size_limit(2**31 - 1)


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def figures(name: str, result: dict, seconds: float) -> None:
    print(
        f"{name:44s} accuracy {result['accuracy']:.4f}  macro-F1 {result['macro_f1']:.4f}  ({seconds:.0f}s)"
    )


def baselines(texts: list[str], labels: list[str]) -> None:
    import jieba  # a dev dependency: only this baseline segments words
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    y = np.asarray(labels, dtype=object)
    word = re.compile(r"[\w\u4e00-\u9fff]+")
    words = [" ".join(w.lower() for w in jieba.lcut(t) if word.fullmatch(w)) for t in texts]
    for name, inputs, vectorizer in [
        (
            "baseline words (jieba) TF-IDF + LinearSVC",
            words,
            lambda: TfidfVectorizer(tokenizer=str.split, token_pattern=None),
        ),
        (
            "baseline char 1-3 TF-IDF + LinearSVC",
            texts,
            lambda: TfidfVectorizer(analyzer="char", ngram_range=(1, 3)),
        ),
    ]:
        started = time.monotonic()
        predicted = np.empty(len(y), dtype=object)
        for fit, test in StratifiedKFold(5, shuffle=True, random_state=0).split(y, y):
            v = vectorizer()
            clf = LinearSVC().fit(v.fit_transform([inputs[i] for i in fit]), y[fit])
            predicted[test] = clf.predict(v.transform([inputs[i] for i in test]))
        result = {
            "accuracy": accuracy_score(y, predicted),
            "macro_f1": f1_score(y, predicted, average="macro"),
        }
        figures(name, result, time.monotonic() - started)


def near_duplicate_groups(texts: list[str], cut: float = 0.8) -> np.ndarray:
    """Connected components of texts whose character-trigram TF-IDF cosine is >= cut."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    m = TfidfVectorizer(analyzer="char", ngram_range=(3, 3)).fit_transform(texts)
    similar = m @ m.T
    similar.data = (similar.data >= cut).astype(np.int8)
    similar.eliminate_zeros()
    return connected_components(similar, directed=False)[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-groups", action="store_true")
    args = parser.parse_args()

    from sklearn.model_selection import StratifiedGroupKFold

    from needle.intel import textmodel as tm

    rows = read("attachment2_messages_labelled_partial.csv")
    texts, labels = [r["text"] for r in rows], [r["label_l1"] for r in rows]
    print(f"{len(texts)} labelled messages, {len(set(labels))} labels; recipe {tm.RECIPE}\n")

    if not args.skip_baseline:
        baselines(texts, labels)

    started = time.monotonic()
    held = tm.held_out_predictions(texts, labels, folds=5, seed=0)
    result = tm.report(held.labels, held.truth, held.predicted)
    figures("recipe, 5-fold stratified CV", result, time.monotonic() - started)
    for label, f in result["per_class"].items():
        print(
            f"    {label:10s} P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}  n {f['support']}"
        )
    correct = np.asarray(held.truth, dtype=object) == np.asarray(held.predicted, dtype=object)
    auto = held.confidence >= held.threshold
    print(
        f"    each fold's own threshold (mean {held.threshold.mean():.3f}) on its unseen fold: "
        f"coverage {auto.mean():.3f}, precision {correct[auto].mean():.4f}"
    )

    if not args.skip_groups:
        groups = near_duplicate_groups(texts)
        sizes = np.bincount(groups)
        in_groups = int((sizes[groups] > 1).sum())
        print(
            f"\nnear-duplicates (char-3gram cosine >= 0.8): {in_groups} messages in {int((sizes > 1).sum())} groups"
        )
        # Messages of a group disagree on the label sometimes: how often, among the groups.
        y = np.asarray(labels, dtype=object)
        mixed = sum(len(set(y[groups == g])) > 1 for g in np.flatnonzero(sizes > 1))
        print(f"    groups whose messages carry different labels: {mixed}")
        splits = list(StratifiedGroupKFold(5, shuffle=True, random_state=0).split(texts, labels, groups))
        started = time.monotonic()
        grouped = tm.held_out_predictions(texts, labels, splits=splits)
        figures(
            "recipe, 5-fold CV, near-duplicates in one fold",
            tm.report(grouped.labels, grouped.truth, grouped.predicted),
            time.monotonic() - started,
        )
        single = sizes[groups] == 1
        pick = np.flatnonzero(single)
        strat = tm.report(held.labels, [held.truth[i] for i in pick], [held.predicted[i] for i in pick])
        print(
            f"    stratified CV scored on the {len(pick)} messages without a near-duplicate: "
            f"accuracy {strat['accuracy']:.4f}, macro-F1 {strat['macro_f1']:.4f}"
        )

    # The model trained on all labelled messages: threshold, latency.
    started = time.monotonic()
    model = tm.train(texts, labels)
    full_seconds = time.monotonic() - started
    m = model.metrics
    print(
        f"\nmodel on all {len(texts)} messages: trained in {full_seconds:.1f}s; threshold {model.threshold:.4f} "
        f"(held-out, {m['evaluation']}: precision {m['threshold_precision']:.4f}, coverage {m['threshold_coverage']:.3f}); "
        f"held-out accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}"
    )
    sample = random.Random(0).sample(texts, 1000)
    model.predict(sample[:5])
    wall, cpu = [], []
    for text in sample:
        w, c = time.perf_counter(), time.thread_time()
        model.predict([text])
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    ms = lambda xs, q: 1000 * float(np.percentile(xs, q))  # noqa: E731
    print(
        f"classify one message (1,000 calls, one thread): wall p50 {ms(wall, 50):.2f} ms, p95 {ms(wall, 95):.2f} ms; "
        f"CPU p50 {ms(cpu, 50):.2f} ms, p95 {ms(cpu, 95):.2f} ms"
    )

    # 10,000 messages: the labelled ones, the unlabelled messages of attachments 3 and 4 labelled
    # by the model above, and a resample of both up to 10,000.
    extra = [
        re.sub(r"\s+", "", r["title"] + r["detail"])
        for name in ("attachment3_messages_votes.csv", "attachment4_messages_replies.csv")
        for r in read(name)
    ]
    extra_labels = [label for label, _ in model.predict(extra)]
    big_texts, big_labels = texts + extra, labels + extra_labels
    rng = random.Random(1)
    while len(big_texts) < 10_000:
        i = rng.randrange(len(texts) + len(extra))
        big_texts.append(big_texts[i])
        big_labels.append(big_labels[i])
    started, cpu_started = time.monotonic(), time.process_time()
    tm.train(big_texts, big_labels)
    print(
        f"train on 10,000 messages ({len(texts)} labelled + {len(extra)} of attachments 3/4 labelled by the model "
        f"+ {10_000 - len(texts) - len(extra)} resampled): {time.monotonic() - started:.1f}s wall, "
        f"{time.process_time() - cpu_started:.1f}s CPU"
    )
    print(f"machine load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
