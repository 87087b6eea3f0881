"""Scores of plain arrays: recognition (confusion matrix, accuracy, UF1, UAR) and frame-level
spotting (ROC curve, AUC). Numpy in, numbers out; no state.

Recognition follows scikit-learn's macro rule: UF1 and UAR average over the classes present in
``y_true`` or ``y_pred`` (a class predicted but never true has recall 0 and counts; a class in
neither is left out; UAR then differs from ``balanced_accuracy_score``, which averages over
``y_true``'s classes only). Frame AUC is undefined when the labels hold one class: NaN and a
warning.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import torch
from sklearn import metrics as skm
from torch import Tensor
from torchmetrics.functional.classification import binary_auroc, binary_roc

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- recognition


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """``(C, C)`` int64 counts, rows the true class and columns the predicted class."""
    t = _as_labels(y_true, num_classes, "y_true")
    p = _as_labels(y_pred, num_classes, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {t.shape} vs {p.shape}")
    if t.size == 0:
        return np.zeros((num_classes, num_classes), dtype=np.int64)
    return skm.confusion_matrix(t, p, labels=np.arange(num_classes)).astype(np.int64)


def recognition_scores(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int
) -> dict[str, float]:
    """Accuracy, UF1 and UAR (scikit-learn's macro rule) of label arrays, plus ``n``.

    Returns ``{"accuracy", "uf1", "uar", "n"}``; the scores are NaN (with a warning) when there are
    no samples.
    """
    cm = confusion_matrix(y_true, y_pred, num_classes)
    if cm.sum() == 0:
        logger.warning("recognition_scores: no samples; the scores are NaN")
    scores = scores_from_confusion(torch.from_numpy(cm))
    out = {key: float(value) for key, value in scores.items()}
    out["n"] = int(cm.sum())
    return out


def scores_from_confusion(confmat: Tensor) -> dict[str, Tensor]:
    """Accuracy, UF1 and UAR from a ``(C, C)`` confusion matrix (rows true, columns predicted).

    Returns float64 scalars. ``accuracy`` is the overall (micro) accuracy; ``uf1`` and ``uar`` are
    the unweighted means of per-class F1 and recall over the classes present in the true or the
    predicted labels (scikit-learn's macro rule, whatever the torchmetrics version's own macro
    rule is). Every value is NaN when the matrix is empty. The metric objects of
    :mod:`microexp.eval.metrics` use it too, so the two cannot disagree.
    """
    cm = confmat.to(torch.float64)
    tp = torch.diagonal(cm)
    n_true = cm.sum(dim=1)
    n_pred = cm.sum(dim=0)
    total = cm.sum()
    nan = torch.tensor(math.nan, dtype=torch.float64, device=cm.device)
    if total <= 0:
        return {"accuracy": nan, "uf1": nan.clone(), "uar": nan.clone()}
    present = (n_true + n_pred) > 0
    f1_denom = n_true + n_pred  # = 2tp + fp + fn
    f1 = torch.where(f1_denom > 0, 2 * tp / f1_denom.clamp(min=1), torch.zeros_like(tp))
    recall = torch.where(n_true > 0, tp / n_true.clamp(min=1), torch.zeros_like(tp))
    return {
        "accuracy": tp.sum() / total,
        "uf1": f1[present].mean(),
        "uar": recall[present].mean(),
    }


def _as_labels(y: np.ndarray, num_classes: int, name: str) -> np.ndarray:
    arr = np.asarray(y).reshape(-1)
    integer = np.issubdtype(arr.dtype, np.integer) or np.all(np.mod(arr, 1) == 0)
    if arr.size and not integer:
        raise ValueError(f"{name} must hold integer class labels")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(f"{name} holds labels outside [0, {num_classes}): {np.unique(arr)}")
    return arr


# --------------------------------------------------------------------------- spotting (frames)


@dataclass(frozen=True)
class RocCurve:
    """A ROC curve: false/true positive rates at decreasing thresholds, and its area.

    ``thresholds[i]`` is the score at or above which a frame counts as positive for point ``i``;
    the first point (0, 0) has threshold ``+inf``. An undefined curve (one class only) has empty
    arrays and ``auc`` NaN.
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float

    @property
    def defined(self) -> bool:
        """False when the labels held a single class (no curve)."""
        return self.fpr.size > 0


def _binary_inputs(
    scores: np.ndarray, labels: np.ndarray, caller: str
) -> tuple[Tensor, Tensor, np.ndarray] | None:
    """Rank-encoded scores in [0, 1], labels and the distinct score values; None if undefined.

    The curve comes from torchmetrics (float32 rates; scikit-learn's float64 ``roc_curve`` would
    move the AUC of existing runs by up to ~2e-7). torchmetrics applies a sigmoid to scores
    outside [0, 1]; mapping each score to the rank of its distinct value keeps order and ties
    exactly (so the AUC is unchanged) and avoids float32 saturation of the sigmoid for raw
    baseline scores.
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if s.shape != y.shape:
        raise ValueError(f"{caller}: scores and labels differ in size: {s.size} vs {y.size}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{caller}: scores must be finite")
    if y.size and not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{caller}: labels must be 0/1 (or bool)")
    y = y.astype(np.int64)
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == y.size:
        logger.warning(
            "%s: AUC is undefined with %d positive and %d negative frames; returning NaN",
            caller,
            n_pos,
            y.size - n_pos,
        )
        return None
    uniq, inverse = np.unique(s, return_inverse=True)
    ranks = inverse.astype(np.float64) / max(len(uniq) - 1, 1)
    return torch.from_numpy(ranks), torch.from_numpy(y), uniq


def frame_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Frame-level ROC AUC of ``scores`` (higher = more likely inside) against 0/1 ``labels``.

    Pool the frames of all clips into the two arrays (any shape; they are flattened). Returns NaN
    and logs a warning when the labels hold a single class (or none).
    """
    inputs = _binary_inputs(scores, labels, "frame_auc")
    if inputs is None:
        return math.nan
    preds, target, _ = inputs
    return float(binary_auroc(preds, target, thresholds=None))


def roc_points(scores: np.ndarray, labels: np.ndarray) -> RocCurve:
    """The ROC curve of ``scores`` against 0/1 ``labels`` (pooled frames), with its AUC.

    Every distinct score is a point (no thinning). Thresholds are in the units of ``scores``.
    When the labels hold a single class the curve is empty and ``auc`` NaN (a warning is logged).
    """
    inputs = _binary_inputs(scores, labels, "roc_points")
    if inputs is None:
        empty = np.zeros(0, dtype=np.float64)
        return RocCurve(empty, empty.copy(), empty.copy(), math.nan)
    preds, target, uniq = inputs
    fpr, tpr, thr = binary_roc(preds, target, thresholds=None)
    idx = np.rint(thr.numpy().astype(np.float64) * max(len(uniq) - 1, 1)).astype(np.int64)
    thresholds = uniq[np.clip(idx, 0, len(uniq) - 1)]
    thresholds[0] = np.inf
    auc = float(binary_auroc(preds, target, thresholds=None))
    return RocCurve(
        fpr.numpy().astype(np.float64), tpr.numpy().astype(np.float64), thresholds, auc
    )
