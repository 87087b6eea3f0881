"""The spotting scores of a set of clip records, and the reference rows beside them.

Every score comes with ``<score>_why``: None where the score is defined, else the sentence that
says why it is null (:mod:`microexp.eval.gates`). Scores:

* ``auc`` (inside/outside frame AUC) and ``spot_f1``/``spot_precision``/``spot_recall`` (MEGC
  interval matching, TP/FP/FN summed over the clips) only where enough frames lie outside the
  annotated intervals;
* ``phase_auc``: the predicted intensity against frames whose target intensity is at least
  :data:`~microexp.eval.gates.PHASE_LEVEL`;
* ``apex_mae``/``apex_nmae``/``apex_hit``: the predicted apex against the annotated one
  (:func:`microexp.eval.apex.apex_scores`).

References (``ref_<name>/<score>``): ``centre`` (the middle frame as apex), ``flow`` (the peak of
the mean onset-referenced flow magnitude as apex), ``whole`` (the whole clip as the interval,
with a constant intensity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from microexp.eval.apex import apex_scores
from microexp.eval.gates import NO_SPOTTING, PHASE_LEVEL, inside_outside_why, phase_why
from microexp.eval.records import ClipRecord
from microexp.eval.scores import frame_auc
from microexp.eval.spotting import Interval, interval_scores

#: The apex scores, each computed for the predictions and for the apex references.
APEX_KEYS: tuple[str, ...] = ("apex_mae", "apex_nmae", "apex_hit")
#: The interval scores (and their summed counts).
INTERVAL_KEYS: tuple[str, ...] = ("spot_f1", "spot_precision", "spot_recall")
_COUNTS: tuple[str, ...] = ("spot_tp", "spot_fp", "spot_fn")
#: The reference rows and the scores each has.
REFERENCES: dict[str, tuple[str, ...]] = {
    "centre": (*APEX_KEYS, "apex_why"),
    "flow": (*APEX_KEYS, "apex_why"),
    "whole": (*INTERVAL_KEYS, "spot_f1_why", "phase_auc", "phase_auc_why"),
}


def _frames(records: Sequence[ClipRecord], field: str) -> np.ndarray:
    arrays = [getattr(r, field) for r in records]
    return np.concatenate(arrays) if arrays else np.zeros(0)


def frame_auc_score(intensity: np.ndarray, inside: np.ndarray) -> dict[str, Any]:
    """``auc`` of the intensity against the in-interval labels, gated, and ``auc_why``."""
    why = inside_outside_why(inside, "inside/outside frame AUC")
    return {"auc": None if why else frame_auc(intensity, inside), "auc_why": why}


def phase_auc_score(intensity: np.ndarray, target: np.ndarray) -> dict[str, Any]:
    """``phase_auc`` of the intensity against ``target >= PHASE_LEVEL``, and ``phase_auc_why``."""
    why = phase_why(target)
    phase = np.asarray(target, dtype=np.float64) >= PHASE_LEVEL
    return {"phase_auc": None if why else frame_auc(intensity, phase), "phase_auc_why": why}


def interval_f1_score(
    clips: Iterable[tuple[Sequence[Interval], Sequence[Interval]]],
    inside: np.ndarray,
    iou_threshold: float,
) -> dict[str, Any]:
    """Interval F1, precision, recall and the summed counts, gated, and ``spot_f1_why``."""
    why = inside_outside_why(inside, "interval F1")
    if why:
        return dict.fromkeys(INTERVAL_KEYS + _COUNTS) | {"spot_f1_why": why}
    spots = interval_scores(clips, iou_threshold)
    return {
        "spot_f1": float(spots["f1"]),
        "spot_precision": float(spots["precision"]),
        "spot_recall": float(spots["recall"]),
        "spot_tp": int(spots["tp"]),
        "spot_fp": int(spots["fp"]),
        "spot_fn": int(spots["fn"]),
        "spot_f1_why": None,
    }


def apex_score(
    records: Sequence[ClipRecord], picks: Sequence[int | None], missing: str
) -> dict[str, Any]:
    """The apex scores of ``picks`` (one apex per record, None where it has none) over the
    records that have one; null with ``missing`` as the reason when none has."""
    scores = apex_scores((p, r.apex, r.length) for r, p in zip(records, picks) if p is not None)
    if scores is None:
        return dict.fromkeys(APEX_KEYS) | {"apex_why": missing}
    return scores | {"apex_why": None}


def no_spotting(why: str = NO_SPOTTING) -> dict[str, Any]:
    """Every spotting score null, for ``why``."""
    return {
        "auc": None,
        "auc_why": why,
        **dict.fromkeys(INTERVAL_KEYS + _COUNTS),
        "spot_f1_why": why,
        "phase_auc": None,
        "phase_auc_why": why,
        **dict.fromkeys(APEX_KEYS),
        "apex_why": why,
    }


def spotting_scores(records: Sequence[ClipRecord], iou_threshold: float = 0.5) -> dict[str, Any]:
    """Frame AUC, interval F1, phase AUC and apex errors of the records' predictions."""
    intensity, inside = _frames(records, "intensity"), _frames(records, "inside").astype(bool)
    if not np.all(np.isfinite(intensity)):
        return no_spotting("the predicted intensity is not finite")
    return {
        **frame_auc_score(intensity, inside),
        **interval_f1_score(((r.intervals, [r.truth]) for r in records), inside, iou_threshold),
        **phase_auc_score(intensity, _frames(records, "target")),
        **apex_score(records, [r.pred_apex for r in records], "no clip has a predicted apex"),
    }


def reference_scores(records: Sequence[ClipRecord], iou_threshold: float = 0.5) -> dict[str, Any]:
    """The reference rows' scores, as ``ref_<name>/<score>`` (:data:`REFERENCES`)."""
    inside = _frames(records, "inside").astype(bool)
    target = _frames(records, "target")
    whole = [([Interval(r.start, int(r.frame_numbers[-1]))], [r.truth]) for r in records]
    rows = {
        "centre": apex_score(
            records,
            [r.ref_centre_apex for r in records],
            "no clip has a centre-frame apex (predictions.csv written before the references)",
        ),
        "flow": apex_score(
            records,
            [r.ref_flow_apex for r in records],
            "no clip has a flow-magnitude apex (the run had no flow, or its predictions.csv was "
            "written before the references)",
        ),
        "whole": {
            **interval_f1_score(whole, inside, iou_threshold),
            **phase_auc_score(np.ones(target.size), target),
        },
    }
    return {
        f"ref_{name}/{key}": rows[name][key] for name, keys in REFERENCES.items() for key in keys
    }
