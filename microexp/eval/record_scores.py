"""Scores of a set of per-clip records: one run, one fold, one subject or a whole pooled sweep.

Recognition (accuracy, UF1, UAR) comes from the clips' predicted labels; spotting from their
frames, intervals and apexes, beside the reference rows (:mod:`microexp.eval.spotting_scores`).
Methods that only spot write ``pred_label = -1``: such clips have no predicted class and are left
out of the recognition scores (``predicted_clips`` counts the others), and so are clips with no
true class (``label = -1``). A score that is switched off or undefined is None (never NaN); a
spotting score then has its reason in ``<score>_why``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microexp.eval.gates import outside_fraction
from microexp.eval.records import ClipRecord
from microexp.eval.scores import recognition_scores
from microexp.eval.spotting_scores import (
    APEX_KEYS,
    INTERVAL_KEYS,
    REFERENCES,
    no_spotting,
    reference_scores,
    spotting_scores,
)

RECOGNITION_KEYS: tuple[str, ...] = ("accuracy", "uf1", "uar")
#: The keys of :func:`scores_from_records`, in order (what ``metrics.json`` holds as
#: ``test/<key>``, ``clips`` aside).
SCORE_KEYS: tuple[str, ...] = (
    *RECOGNITION_KEYS,
    "outside_fraction",
    "auc",
    "auc_why",
    *INTERVAL_KEYS,
    "spot_f1_why",
    "phase_auc",
    "phase_auc_why",
    *APEX_KEYS,
    "apex_why",
    *(f"ref_{name}/{key}" for name, keys in REFERENCES.items() for key in keys),
    "clips",
)


def record_scores(
    records: Sequence[ClipRecord],
    num_classes: int,
    *,
    recognition: bool = True,
    spotting: bool = True,
    iou_threshold: float = 0.5,
) -> dict[str, Any]:
    """Every score of ``records``, pooled over their clips and frames.

    Returns ``clips``; ``accuracy``, ``uf1``, ``uar`` over the clips that have a true and a
    predicted class (:func:`recognised`) and ``predicted_clips``, their number (with
    ``recognition``); ``frames`` and ``outside_fraction`` (of the frames outside the annotated
    intervals); the spotting scores with ``spotting`` (interval matching at IoU >=
    ``iou_threshold``, with ``spot_tp``/``spot_fp``/``spot_fn``), and the reference rows
    ``ref_<name>/<score>`` in every case.
    """
    out: dict[str, Any] = {"clips": len(records)}
    done = recognised(records) if recognition else []
    out["predicted_clips"] = len(done)
    if done:
        rec = recognition_scores(
            np.array([r.label for r in done]), np.array([r.pred_label for r in done]), num_classes
        )
        out.update({k: float(rec[k]) for k in RECOGNITION_KEYS})
    else:
        out.update(dict.fromkeys(RECOGNITION_KEYS))
    inside = np.concatenate([r.inside for r in records]) if records else np.zeros(0, bool)
    out["frames"] = int(inside.size)
    out["outside_fraction"] = outside_fraction(inside)
    out.update(spotting_scores(records, iou_threshold) if spotting else no_spotting())
    out.update(reference_scores(records, iou_threshold))
    return out


def recognised(records: Sequence[ClipRecord]) -> list[ClipRecord]:
    """The clips that count for recognition: a true class and a predicted class (both >= 0)."""
    return [r for r in records if r.label >= 0 and r.pred_label >= 0]


def scores_from_records(
    records: Sequence[ClipRecord],
    num_classes: int,
    *,
    recognition: bool = True,
    spotting: bool = True,
) -> dict[str, Any]:
    """The subset :data:`SCORE_KEYS` of :func:`record_scores` (what a run writes as ``test/*``),
    recomputed in float64 from its records."""
    scores = record_scores(records, num_classes, recognition=recognition, spotting=spotting)
    return {key: scores[key] for key in SCORE_KEYS}
