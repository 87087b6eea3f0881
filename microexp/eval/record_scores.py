"""Scores of a set of per-clip records: one run, one fold, one subject or a whole pooled sweep.

Recognition (accuracy, UF1, UAR) comes from the clips' predicted labels; spotting from their
frames (pooled frame-level ROC AUC) and intervals (MEGC interval F1 with TP/FP/FN summed over the
clips). Methods that only spot write ``pred_label = -1``: such clips have no predicted class and
are left out of the recognition scores (``predicted_clips`` counts the others), and so are clips
with no true class (``label = -1``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from microexp.eval.records import ClipRecord, pooled_frames
from microexp.eval.scores import frame_auc, recognition_scores
from microexp.eval.spotting import interval_scores

#: The keys of :func:`scores_from_records` (what ``metrics.json`` holds as ``test/<key>``).
SCORE_KEYS: tuple[str, ...] = (
    "accuracy",
    "uf1",
    "uar",
    "auc",
    "spot_f1",
    "spot_precision",
    "spot_recall",
    "clips",
)


def record_scores(
    records: Sequence[ClipRecord],
    num_classes: int,
    *,
    recognition: bool = True,
    spotting: bool = True,
    iou_threshold: float = 0.5,
) -> dict[str, float | int]:
    """Every score of ``records``, pooled over their clips and frames.

    Returns ``clips``; with ``recognition``: ``accuracy``, ``uf1``, ``uar`` over the clips that
    have a true and a predicted class (:func:`recognised`), and ``predicted_clips``, their
    number; with ``spotting``: ``auc`` (frame-level ROC AUC over all frames, NaN when the frames
    hold one class only), ``frames``, ``spot_f1``,
    ``spot_precision``, ``spot_recall`` and ``spot_tp``/``spot_fp``/``spot_fn`` (summed over the
    clips, IoU >= ``iou_threshold``). Scores that are switched off or undefined are NaN.
    """
    nan = math.nan
    out: dict[str, float | int] = {"clips": len(records)}
    if recognition:
        done = recognised(records)
        out["predicted_clips"] = len(done)
        if done:
            rec = recognition_scores(
                np.array([r.label for r in done]),
                np.array([r.pred_label for r in done]),
                num_classes,
            )
            out.update({k: float(rec[k]) for k in ("accuracy", "uf1", "uar")})
        else:
            out.update(accuracy=nan, uf1=nan, uar=nan)
    else:
        out.update(accuracy=nan, uf1=nan, uar=nan, predicted_clips=0)
    if spotting:
        scores, inside = pooled_frames(records)
        defined = inside.size > 0 and inside.any() and not inside.all()
        out["auc"] = float(frame_auc(scores, inside)) if defined else nan
        out["frames"] = int(inside.size)
        spots = interval_scores(((r.intervals, [r.truth]) for r in records), iou_threshold)
        out.update(
            spot_f1=float(spots["f1"]),
            spot_precision=float(spots["precision"]),
            spot_recall=float(spots["recall"]),
            spot_tp=int(spots["tp"]),
            spot_fp=int(spots["fp"]),
            spot_fn=int(spots["fn"]),
        )
    else:
        out.update(auc=nan, frames=0, spot_f1=nan, spot_precision=nan, spot_recall=nan)
    return out


def recognised(records: Sequence[ClipRecord]) -> list[ClipRecord]:
    """The clips that count for recognition: a true class and a predicted class (both >= 0)."""
    return [r for r in records if r.label >= 0 and r.pred_label >= 0]


def scores_from_records(records: Sequence[ClipRecord], num_classes: int) -> dict[str, float]:
    """Accuracy, UF1, UAR, pooled frame AUC and interval F1 recomputed from records.

    The subset :data:`SCORE_KEYS` of :func:`record_scores` (what a run logs as ``test/*``).
    """
    scores = record_scores(records, num_classes)
    return {key: scores[key] for key in SCORE_KEYS}
