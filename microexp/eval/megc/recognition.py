"""MEGC 2019 recognition scores: UF1, UAR and accuracy from counts pooled over every row (every
fold), per dataset and overall.

Predictions: ``subject,true,pred[,dataset]``, one row per clip (labels are text, compared as
written). The classes are the labels seen in ``true`` anywhere in the file. Per class c,
``F1_c = 2TP/(2TP + FP + FN)`` and ``recall_c = TP/n_c``; UF1 and UAR are their means over the
classes that occur in the scored rows' ``true``. A class that never occurs there (e.g. absent from
one dataset) has no recall and is left out of both means, and the scores list it under
``absent_classes`` with the reason; wrong predictions of it still count, as misses of the true
classes. A label seen only in ``pred`` is a wrong prediction, not a class.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microexp.eval.megc.csvfile import read_rows
from microexp.eval.megc.records import MegcInputError

RECOGNITION_COLUMNS = ("subject", "true", "pred")
OVERALL = "overall"
ABSENT_REASON = (
    "never true in these rows: recall undefined, left out of the UF1 and UAR means; predictions "
    "of it count as misses of the true classes"
)


@dataclass(frozen=True)
class Recognition:
    """One clip's true and predicted label (``dataset`` None when the file has no such column)."""

    subject: str
    true: str
    pred: str
    dataset: str | None = None


def read_recognition(path: str | Path) -> list[Recognition]:
    """The rows of a recognition predictions file (``dataset`` filled only when the column
    exists; then every row needs one, and no dataset may be called ``overall``)."""
    rows = []
    for row in read_rows(path, RECOGNITION_COLUMNS, ("dataset",)):
        dataset = row.text("dataset") if "dataset" in row.cells else None
        if dataset == OVERALL:
            raise row.error(f"a dataset may not be named {OVERALL!r} (the key of all rows)")
        rows.append(Recognition(row.text("subject"), row.text("true"), row.text("pred"), dataset))
    if not rows:
        raise MegcInputError(f"{path}: no rows to score")
    return rows


def score_recognition(rows: Sequence[Recognition]) -> dict[str, dict[str, Any]]:
    """``{"overall": scores, <dataset>: scores, ...}`` (:func:`pooled_scores`), datasets in order
    of first appearance; only ``overall`` when the rows carry no dataset."""
    if not rows:
        raise MegcInputError("no rows to score")
    classes = _natural_sorted({r.true for r in rows})
    out = {OVERALL: pooled_scores(rows, classes)}
    for dataset in dict.fromkeys(r.dataset for r in rows if r.dataset is not None):
        out[dataset] = pooled_scores([r for r in rows if r.dataset == dataset], classes)
    return out


def pooled_scores(rows: Sequence[Recognition], classes: Sequence[str]) -> dict[str, Any]:
    """UF1, UAR, accuracy and n from the rows' pooled per-class counts.

    Returns ``{"uf1", "uar", "accuracy", "n", "classes", "per_class"}`` and, when some of
    ``classes`` never occurs as true, ``"absent_classes"`` and ``"absent_reason"``.
    ``classes`` lists the classes the means are over; ``per_class`` holds each class's
    ``n, tp, fp, fn, f1, recall`` (f1 and recall None for an absent class).
    """
    true = Counter(r.true for r in rows)
    predicted = Counter(r.pred for r in rows)
    hits = Counter(r.true for r in rows if r.true == r.pred)
    present = [c for c in classes if true[c]]
    absent = [c for c in classes if not true[c]]
    per_class = {}
    for c in classes:
        tp, fp, fn = hits[c], predicted[c] - hits[c], true[c] - hits[c]
        f1 = 2 * tp / (2 * tp + fp + fn) if true[c] else None
        recall = tp / true[c] if true[c] else None
        per_class[c] = {"n": true[c], "tp": tp, "fp": fp, "fn": fn, "f1": f1, "recall": recall}
    out: dict[str, Any] = {
        "uf1": sum(per_class[c]["f1"] for c in present) / len(present),
        "uar": sum(per_class[c]["recall"] for c in present) / len(present),
        "accuracy": sum(hits.values()) / len(rows),
        "n": len(rows),
        "classes": present,
        "per_class": per_class,
    }
    if absent:
        out["absent_classes"] = absent
        out["absent_reason"] = ABSENT_REASON
    return out


def _natural_sorted(labels: set[str]) -> list[str]:
    """Labels in natural order (``2`` before ``10``)."""

    def key(label: str) -> list[tuple[int, int | str]]:
        return [(0, int(t)) if t.isdigit() else (1, t) for t in re.split(r"(\d+)", label) if t]

    return sorted(labels, key=key)
