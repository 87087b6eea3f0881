"""Recognition and frame-level spotting metrics (DESIGN §10).

Two faces of the same numbers:

* torchmetrics ``Metric`` objects for the LightningModules: :func:`recognition_metrics` (a
  ``MetricCollection`` with ``accuracy``, ``uf1``, ``uar``; use ``.clone(prefix="val/")``),
  :func:`confusion_metric`, :class:`FrameAUROC` / :func:`spotting_metrics` and :class:`FrameROC`.
* plain functions on numpy arrays for reports: :func:`recognition_scores`,
  :func:`confusion_matrix`, :func:`frame_auc`, :func:`roc_points`.

Macro averages follow scikit-learn: ``f1_score(average="macro")`` and
``recall_score(average="macro")`` average over the labels present in ``y_true ∪ y_pred``. A class
absent from both is left out of the average (it is not counted as 0); a class that is predicted
but never true has recall 0 and is counted. Both faces compute the scores from one confusion matrix
with :func:`scores_from_confusion`, so they cannot disagree with each other, whatever the
torchmetrics version's own macro rule is. Note that UAR defined this way differs from
``balanced_accuracy_score`` (which averages over ``y_true``'s classes only) when a class is
predicted but never true.

Frame-level AUC is undefined when the labels hold a single class: the functions and metrics here
then return NaN and log a warning instead of raising.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torchmetrics import Metric, MetricCollection
from torchmetrics.classification import BinaryAUROC, BinaryROC, MulticlassConfusionMatrix
from torchmetrics.functional.classification import binary_auroc, binary_roc
from torchmetrics.utilities import dim_zero_cat

logger = logging.getLogger(__name__)

RECOGNITION_KEYS: tuple[str, ...] = ("accuracy", "uf1", "uar")


# --------------------------------------------------------------------------- recognition


def scores_from_confusion(confmat: Tensor) -> dict[str, Tensor]:
    """Accuracy, UF1 and UAR from a ``(C, C)`` confusion matrix (rows true, columns predicted).

    Returns float64 scalars. ``accuracy`` is the overall (micro) accuracy; ``uf1`` and ``uar`` are
    the unweighted means of per-class F1 and recall over the classes present in the true or the
    predicted labels (scikit-learn's macro rule). Every value is NaN when the matrix is empty.
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


class _ConfusionScore(MulticlassConfusionMatrix):
    """One score of :func:`scores_from_confusion`, accumulated as a confusion matrix.

    The three scores of :func:`recognition_metrics` hold the same state, so a
    ``MetricCollection`` shares one matrix among them (torchmetrics compute groups).
    """

    def __init__(self, num_classes: int, score: str, **kwargs: Any) -> None:
        if score not in RECOGNITION_KEYS:
            raise ValueError(f"score must be one of {RECOGNITION_KEYS}, got {score!r}")
        kwargs.pop("normalize", None)
        super().__init__(num_classes=num_classes, normalize=None, **kwargs)
        self.score_key = score

    def compute(self) -> Tensor:  # type: ignore[override]
        """The score over everything seen since the last reset (float32 scalar)."""
        return scores_from_confusion(self.confmat)[self.score_key].to(torch.float32)


def recognition_metrics(num_classes: int, **kwargs: Any) -> MetricCollection:
    """Clip-level recognition metrics: ``accuracy``, ``uf1`` (macro F1), ``uar`` (macro recall).

    ``update(preds, target)`` takes ``preds`` as ``(N,)`` labels or ``(N, C)`` scores/probabilities
    (argmax is taken) and ``target`` as ``(N,)`` labels. Extra ``kwargs`` (e.g. ``ignore_index``)
    go to each ``MulticlassConfusionMatrix``. Use ``.clone(prefix="val/")`` per stage.
    """
    return MetricCollection(
        {key: _ConfusionScore(num_classes, key, **kwargs) for key in RECOGNITION_KEYS}
    )


def confusion_metric(num_classes: int, **kwargs: Any) -> MulticlassConfusionMatrix:
    """Unnormalised ``(C, C)`` confusion-matrix metric (rows true class, columns predicted)."""
    return MulticlassConfusionMatrix(num_classes=num_classes, **kwargs)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """``(C, C)`` int64 counts, rows the true class and columns the predicted class."""
    t = _as_labels(y_true, num_classes, "y_true")
    p = _as_labels(y_pred, num_classes, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {t.shape} vs {p.shape}")
    flat = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


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

    torchmetrics applies a sigmoid to scores outside [0, 1]; mapping each score to the rank of its
    distinct value keeps order and ties exactly (so the AUC is unchanged) and avoids float32
    saturation of the sigmoid for raw baseline scores.
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

    Thresholds are in the units of ``scores``. When the labels hold a single class the curve is
    empty and ``auc`` NaN (a warning is logged).
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


def _single_class(metric: BinaryAUROC | BinaryROC) -> bool:
    """True when the frames accumulated by ``metric`` hold fewer than two classes."""
    if metric.thresholds is None:
        target = dim_zero_cat(metric.target) if metric.target else torch.zeros(0)
        n_pos = int((target == 1).sum())
        n = int(target.numel())
    else:  # binned state: confmat[threshold, true, predicted]
        counts = metric.confmat[0].sum(dim=1)
        n_pos = int(counts[1])
        n = int(counts.sum())
    if n_pos == 0 or n_pos == n:
        logger.warning(
            "%s: AUC is undefined with %d positive and %d negative frames; returning NaN",
            type(metric).__name__,
            n_pos,
            n - n_pos,
        )
        return True
    return False


class FrameAUROC(BinaryAUROC):
    """``BinaryAUROC`` pooled over every frame seen, NaN (and a warning) for a single class.

    ``update(preds, target)`` takes predicted intensities in [0, 1] (torchmetrics applies a
    sigmoid to values outside [0, 1]) and 0/1 in-interval labels of any matching shape (e.g.
    ``(B, T)``); padded frames can be skipped with ``ignore_index``.
    """

    def compute(self) -> Tensor:  # type: ignore[override]
        """Pooled AUC, or NaN when only one class was seen."""
        if _single_class(self):
            return torch.tensor(math.nan, device=self.device)
        return super().compute()


class FrameROC(BinaryROC):
    """``BinaryROC`` pooled over every frame seen; empty tensors (and a warning) for one class."""

    def compute(self) -> tuple[Tensor, Tensor, Tensor]:  # type: ignore[override]
        """``(fpr, tpr, thresholds)``; three empty tensors when only one class was seen."""
        if _single_class(self):
            empty = torch.zeros(0, device=self.device)
            return empty, empty.clone(), empty.clone()
        return super().compute()


def spotting_metrics(**kwargs: Any) -> MetricCollection:
    """Frame-level spotting metrics: key ``auroc`` (:class:`FrameAUROC`, the paper's Table 1).

    Kept apart from :class:`FrameROC`, whose tuple output cannot be logged as a scalar. ``kwargs``
    (e.g. ``ignore_index``, ``thresholds``) go to :class:`FrameAUROC`.
    """
    return MetricCollection({"auroc": FrameAUROC(**kwargs)})


# --------------------------------------------------------------------------- interval spotting


class IntervalF1(Metric):
    """MEGC interval F1 (IoU >= ``iou_threshold``), TP/FP/FN summed over every clip seen.

    ``update(tp, fp, fn)`` takes the counts of one or more clips (e.g. from
    :func:`microexp.eval.spotting.match_intervals`); ``compute()`` returns
    ``2TP / (2TP + FP + FN)`` (0 when there is no true positive).
    """

    full_state_update = False
    higher_is_better = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name in ("tp", "fp", "fn"):
            self.add_state(name, default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, tp: int, fp: int, fn: int) -> None:  # type: ignore[override]
        self.tp += int(tp)
        self.fp += int(fp)
        self.fn += int(fn)

    def compute(self) -> Tensor:
        denom = 2 * self.tp + self.fp + self.fn
        if self.tp == 0 or denom == 0:
            return torch.tensor(0.0)
        return (2 * self.tp).float() / denom.float()
