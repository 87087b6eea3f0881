"""The metrics each baseline has (null where they do not apply), from its clip records."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from microexp.baselines import SPOTTING
from microexp.eval.records import ClipRecord, pooled_frames
from microexp.eval.scores import frame_auc, recognition_scores
from microexp.eval.spotting import interval_scores

log = logging.getLogger(__name__)


def _none_if_nan(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def applicable_scores(
    records: Sequence[ClipRecord], method: str, num_classes: int
) -> dict[str, float | None]:
    """The metrics a method has, from its records (null where they do not apply).

    Spotting methods (``lbp``, ``hoof``): pooled frame AUC of ``intensity`` against the
    in-interval labels and the MEGC interval F1 (with precision and recall). Recognition
    (``lbptop_svm``): accuracy, UF1, UAR over the clips. Pool the records of several folds to get
    the pooled LOSO numbers.
    """
    out: dict[str, float | None] = dict.fromkeys(
        ("auc", "accuracy", "uf1", "uar", "spot_f1", "spot_precision", "spot_recall")
    )
    out["clips"] = len(records)
    if not records:
        return out
    if method in SPOTTING:
        scores, inside = pooled_frames(records)
        out["auc"] = _none_if_nan(float(frame_auc(scores, inside)))
        spots = interval_scores((r.intervals, [r.truth]) for r in records)
        out["spot_f1"] = float(spots["f1"])
        out["spot_precision"] = float(spots["precision"])
        out["spot_recall"] = float(spots["recall"])
    else:
        labelled = [r for r in records if r.label >= 0]
        if len(labelled) < len(records):
            log.warning(
                "%d clips without a class are left out of the recognition scores",
                len(records) - len(labelled),
            )
        y_true = np.array([r.label for r in labelled], np.int64)
        y_pred = np.array([r.pred_label for r in labelled], np.int64)
        rec = recognition_scores(y_true, y_pred, num_classes)
        for key in ("accuracy", "uf1", "uar"):
            out[key] = _none_if_nan(float(rec[key]))
    return out
