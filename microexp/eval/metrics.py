"""torchmetrics objects for the LightningModules: recognition, frame AUC and interval F1.

:func:`recognition_metrics` (``accuracy``, ``uf1``, ``uar``; use ``.clone(prefix="val/")``),
:class:`FrameAUROC` and :class:`IntervalF1`. They follow the rules of :mod:`microexp.eval.scores`
(the recognition scores from one confusion matrix with the same function; NaN and a warning for a
frame AUC over one class), accumulated over batches. Both spotting metrics take a minimum
fraction of negative (outside) frames below which they are NaN too (logged at debug level: on
clips cut at their onset and offset that is expected); NaN is never logged by the tasks.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import torch
from torch import Tensor
from torchmetrics import Metric, MetricCollection
from torchmetrics.classification import BinaryAUROC, MulticlassConfusionMatrix
from torchmetrics.utilities import dim_zero_cat

from microexp.eval.scores import scores_from_confusion

logger = logging.getLogger(__name__)

RECOGNITION_KEYS: tuple[str, ...] = ("accuracy", "uf1", "uar")


# --------------------------------------------------------------------------- recognition


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


# --------------------------------------------------------------------------- spotting (frames)


def _too_few(negatives: int, frames: int, minimum: float, name: str) -> bool:
    """True (and a debug message) when fewer than ``minimum`` of the frames are negatives."""
    if minimum > 0 and (frames == 0 or negatives < minimum * frames):
        logger.debug(
            "%s: %d of %d frames are negative (fewer than %g): NaN",
            name,
            negatives,
            frames,
            minimum,
        )
        return True
    return False


def _undefined(metric: FrameAUROC) -> bool:
    """True when the frames accumulated by ``metric`` hold fewer than two classes, or too few
    negatives."""
    if metric.thresholds is None:
        # a list of batches, or one tensor once gathered from the ranks of a DDP run
        target = dim_zero_cat(metric.target) if len(metric.target) else torch.zeros(0)
        n_pos = int((target == 1).sum())
        n = int(target.numel())
    else:  # binned state: confmat[threshold, true, predicted]
        counts = metric.confmat[0].sum(dim=1)
        n_pos = int(counts[1])
        n = int(counts.sum())
    if _too_few(n - n_pos, n, metric.min_negative_fraction, type(metric).__name__):
        return True
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
    sigmoid to values outside [0, 1]) and 0/1 labels of any matching shape (e.g. ``(B, T)``);
    padded frames can be skipped with ``ignore_index``. With ``min_negative_fraction`` the AUC
    is NaN too when fewer of the frames seen are negatives.
    """

    def __init__(self, *args: Any, min_negative_fraction: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.min_negative_fraction = min_negative_fraction

    def compute(self) -> Tensor:  # type: ignore[override]
        """Pooled AUC, or NaN when only one class (or too few negatives) was seen."""
        if _undefined(self):
            return torch.tensor(math.nan, device=self.device)
        return super().compute()


# --------------------------------------------------------------------------- interval spotting


class IntervalF1(Metric):
    """MEGC interval F1 (IoU >= ``iou_threshold``), TP/FP/FN summed over every clip seen.

    ``update(tp, fp, fn, frames, outside)`` takes the counts of one or more clips (e.g. from
    :func:`microexp.eval.spotting.match_intervals`) and how many of their frames lie outside the
    annotated intervals; ``compute()`` returns ``2TP / (2TP + FP + FN)`` (0 when there is no true
    positive), or NaN when fewer than ``min_outside_fraction`` of the frames lie outside.
    """

    full_state_update = False
    higher_is_better = True

    def __init__(self, min_outside_fraction: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_outside_fraction = min_outside_fraction
        for name in ("tp", "fp", "fn", "frames", "outside"):
            self.add_state(name, default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(  # type: ignore[override]
        self, tp: int, fp: int, fn: int, frames: int = 0, outside: int = 0
    ) -> None:
        self.tp += int(tp)
        self.fp += int(fp)
        self.fn += int(fn)
        self.frames += int(frames)
        self.outside += int(outside)

    def compute(self) -> Tensor:
        outside, frames = int(self.outside), int(self.frames)
        if _too_few(outside, frames, self.min_outside_fraction, type(self).__name__):
            return torch.tensor(math.nan)
        denom = 2 * self.tp + self.fp + self.fn
        if self.tp == 0 or denom == 0:
            return torch.tensor(0.0)
        return (2 * self.tp).float() / denom.float()
