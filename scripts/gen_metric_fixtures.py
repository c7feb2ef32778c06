"""Reference values for emoshift-eval's metrics, computed with scikit-learn.

Writes crates/emoshift-eval/tests/fixtures/metrics.json: several cases
(binary, 4-class, 5-class with a class absent from y_true, heavy score ties,
imbalanced), each with labels, float32 scores and scikit-learn's results.

Conventions mirrored from the Rust crate:
- predictions are argmax of the scores (numpy: first index on ties);
- precision/recall/F1 use labels=range(C), zero_division=0;
- UAR is balanced_accuracy_score (mean recall over classes present in y_true);
- AUROC is roc_auc_score(multi_class='ovr', average='macro'), binary tasks
  roc_auc_score(y, p[:, 1]); average precision is average_precision_score on
  one-hot labels with average='macro', binary tasks on p[:, 1]. Classes where
  a metric is undefined (AUROC: no positives or no negatives; AP: no
  positives) are skipped; for cases with such classes scikit-learn's per-class
  binary scores are averaged over the remaining classes (scikit-learn itself
  raises for AUROC there).

Run: /work/main/.venv/bin/python scripts/gen_metric_fixtures.py
"""

import json
import pathlib

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/emoshift-eval/tests/fixtures/metrics.json"


def softmax_scores(rng, y, n_classes, signal):
    """float32 probabilities whose true-class logit is raised by `signal`."""
    logits = rng.normal(size=(len(y), n_classes))
    logits[np.arange(len(y)), y] += signal
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def tied_scores(rng, y, n_classes):
    """float32 probabilities from small integer weights: many equal values
    within and across rows."""
    w = rng.integers(0, 3, size=(len(y), n_classes)).astype(np.float64)
    w[np.arange(len(y)), y] += rng.integers(0, 3, size=len(y))
    w += 1.0
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


def per_class_binary(metric, y, probs, n_classes, need_negatives):
    values = []
    for c in range(n_classes):
        pos = (y == c).astype(int)
        defined = pos.sum() > 0 and (not need_negatives or pos.sum() < len(pos))
        values.append(float(metric(pos, probs[:, c].astype(np.float64))) if defined else None)
    return values


def ranking(metric, direct, y, probs, n_classes, need_negatives):
    per_class = per_class_binary(metric, y, probs, n_classes, need_negatives)
    if n_classes == 2:
        value = float(metric(y, probs[:, 1].astype(np.float64)))
        skipped = [] if per_class[1] is not None else [1]
    else:
        defined = [v for v in per_class if v is not None]
        skipped = [c for c, v in enumerate(per_class) if v is None]
        value = float(np.mean(defined))
        if not skipped:
            reference = float(direct())
            assert abs(reference - value) < 1e-12, (reference, value)
    return {"value": value, "per_class": per_class, "skipped": skipped}


def case(name, y, probs):
    n_classes = probs.shape[1]
    labels = list(range(n_classes))
    pred = probs.argmax(axis=1)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    onehot = np.eye(n_classes)[y]
    auroc = ranking(
        roc_auc_score,
        lambda: roc_auc_score(y, probs, multi_class="ovr", average="macro", labels=labels),
        y, probs, n_classes, need_negatives=True,
    )
    ap = ranking(
        average_precision_score,
        lambda: average_precision_score(onehot, probs, average="macro"),
        y, probs, n_classes, need_negatives=False,
    )
    return {
        "name": name,
        "n_classes": n_classes,
        "y_true": [int(v) for v in y],
        "probs": [[float(v) for v in row] for row in probs],
        "expected": {
            "accuracy": float(accuracy_score(y, pred)),
            "uar": float(balanced_accuracy_score(y, pred)),
            "macro_precision": float(precision_score(y, pred, labels=labels, average="macro", zero_division=0)),
            "macro_recall": float(recall_score(y, pred, labels=labels, average="macro", zero_division=0)),
            "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
            "weighted_f1": float(f1_score(y, pred, labels=labels, average="weighted", zero_division=0)),
            "precision": [float(v) for v in p],
            "recall": [float(v) for v in r],
            "f1": [float(v) for v in f],
            "support": [int(v) for v in s],
            "confusion": confusion_matrix(y, pred, labels=labels).tolist(),
            "auroc": auroc,
            "average_precision": ap,
        },
    }


def main():
    rng = np.random.default_rng(20240605)
    cases = []

    y = rng.integers(0, 2, size=80)
    cases.append(case("binary", y, softmax_scores(rng, y, 2, 1.0)))

    y = rng.integers(0, 4, size=120)
    cases.append(case("four_class", y, softmax_scores(rng, y, 4, 1.2)))

    # Class 3 never occurs in y_true (like disgust in ShEMO) but is predicted.
    y = rng.choice([0, 1, 2, 4], size=100)
    cases.append(case("five_class_absent", y, softmax_scores(rng, y, 5, 1.0)))

    y = rng.integers(0, 3, size=90)
    cases.append(case("three_class_ties", y, tied_scores(rng, y, 3)))

    y = rng.choice(4, size=150, p=[0.70, 0.20, 0.07, 0.03])
    cases.append(case("imbalanced", y, softmax_scores(rng, y, 4, 0.8)))

    y = rng.choice(2, size=60, p=[0.85, 0.15])
    cases.append(case("binary_ties_imbalanced", y, tied_scores(rng, y, 2)))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"sklearn_version": sklearn.__version__, "cases": cases}) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
