"""Pooling one method's runs: fold checks, scores over all folds, per fold and per subject.

Every number is recomputed from the runs' clip records (:mod:`microexp.eval.record_scores`);
``metrics.json`` is only cross-checked against them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from microexp.eval.record_scores import SCORE_KEYS, recognised, record_scores
from microexp.eval.records import ClipRecord, pooled_frames
from microexp.eval.report.contents import (
    FOLD_SCORES,
    RECOGNITION_SCORES,
    SPOTTING_SCORES,
    GroupReport,
    is_number,
)
from microexp.eval.report.folds import config_warnings, coverage_warnings, dedupe_folds
from microexp.eval.report.paper_tables import method_for
from microexp.eval.report.runs import Run, label
from microexp.eval.scores import confusion_matrix, roc_points

logger = logging.getLogger(__name__)

#: The reference rows' numeric scores (``ref_<name>/<score>``), as ``metrics.json`` holds them.
REFERENCE_SCORES: tuple[str, ...] = tuple(
    k for k in SCORE_KEYS if k.startswith("ref_") and not k.endswith("_why")
)
#: Where a score is recomputed from ``predictions.csv`` only (exact) or from ``frames.csv``
#: (intensities to 6 decimals, which can tie frames and move an AUC a little), how far it may
#: be from the one in ``metrics.json``; a null must be null on both sides.
TOLERANCE: dict[str, float] = {
    **{k: 1e-6 for k in SCORE_KEYS if not k.endswith("_why") and k != "clips"},
    "auc": 1e-3,
    "phase_auc": 1e-3,
}


def _fold_stats(values: Sequence[float]) -> dict[str, float | int]:
    """Mean and (population, ddof=0) standard deviation of the finite values, and their count;
    no standard deviation (NaN, null in JSON) for a single value."""
    finite = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    if finite.size == 0:
        return {"mean": math.nan, "std": math.nan, "n": 0}
    std = float(finite.std()) if finite.size > 1 else math.nan  # one fold: no spread
    return {"mean": float(finite.mean()), "std": std, "n": int(finite.size)}


def selection_text(runs: Sequence[Run]) -> str:
    """Which weights the test numbers come from (``metrics.json``: ``selected``, ``epochs``)."""
    selected = sorted({str(r.metrics.get("selected")) for r in runs})
    epochs = sorted({int(r.metrics["epochs"]) for r in runs if is_number(r.metrics.get("epochs"))})
    span = (
        "" if not epochs else str(epochs[0]) if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]}"
    )
    trained = f"{span} epoch{'s' if span != '1' else ''} trained per fold" if span else ""
    if selected == ["last"]:
        return f"the last epoch of every fold ({trained})" if trained else "the last epoch"
    if len(selected) == 1 and selected[0].startswith("best"):
        what = selected[0][len("best") :].strip()
        tail = f", of {trained}" if trained else ""
        return (
            f"the checkpoint with the best {what} (validation subjects carved from the training "
            f"subjects, never the test subject){tail}"
        )
    if selected == ["None"]:
        return "not recorded in metrics.json (no epoch selection)" + (
            f"; {trained}" if trained else ""
        )
    if len(selected) == 1:  # e.g. a baseline: "linear SVM fitted on the training subjects"
        return selected[0] + (f" ({trained})" if trained else "")
    per = "; ".join(
        f"{s} ({', '.join(r.fold_key for r in runs if str(r.metrics.get('selected')) == s)})"
        for s in selected
    )
    return f"mixed between folds: {per}"


def _spot_config(runs: Sequence[Run]) -> dict[str, Any]:
    """The spotting settings of the first run with a config (``model.spot.*``), else none."""
    for run in runs:
        if run.config:
            return {
                k[len("model.spot.") :]: v
                for k, v in run.config.items()
                if k.startswith("model.spot.")
            }
    return {}


def _shown(value: Any) -> str:
    return f"{value:.4f}" if is_number(value) else "null"


def _check_saved(run: Run, scores: dict[str, Any], roots: Sequence[Path]) -> str | None:
    """A warning when ``metrics.json`` disagrees with the scores recomputed from the CSVs (a
    key that an older ``metrics.json`` lacks is not checked; NaN there counts as null)."""
    bad = []
    for key, tol in TOLERANCE.items():
        if f"test/{key}" not in run.metrics:
            continue
        saved, mine = run.metrics[f"test/{key}"], scores.get(key)
        if not is_number(saved) and not is_number(mine):
            continue
        if not (is_number(saved) and is_number(mine) and abs(mine - saved) <= tol):
            bad.append(f"test/{key} {_shown(saved)} vs {_shown(mine)}")
    if not bad:
        return None
    return (
        f"{label(run, roots)}: metrics.json disagrees with its predictions.csv/frames.csv: "
        f"{', '.join(bad)} (the report uses the CSV files)"
    )


def _one_class_list(
    runs: Sequence[Run], roots: Sequence[Path]
) -> tuple[list[Run], list[Run], tuple[str, ...], list[str]]:
    """One run per fold, all with the most common class list: (kept, left out, classes,
    warnings). A run with other classes cannot be pooled."""
    kept, left_out, warnings = dedupe_folds(runs, roots)
    lists = [tuple(r.classes) for r in kept]
    classes = max(lists, key=lists.count)  # ties: the first run's
    other = [r for r in kept if tuple(r.classes) != classes]
    if other:
        warnings.append(
            f"left out {len(other)} run(s) with other classes than {list(classes)}: "
            + ", ".join(f"{label(r, roots)} {r.classes}" for r in other)
        )
        kept = [r for r in kept if tuple(r.classes) == classes]
        left_out += other
    return kept, left_out, classes, warnings


def _outputs(
    runs: Sequence[Run], records: Sequence[ClipRecord], roots: Sequence[Path]
) -> tuple[bool, bool, list[str], list[str]]:
    """Whether the method recognises and spots: (recognition, spotting, warnings, notes)."""
    warnings: list[str] = []
    notes: list[str] = []
    recognition = any(r.pred_label >= 0 for r in records)
    unlabelled = sum(r.label < 0 for r in records)
    if unlabelled:
        notes.append(f"{unlabelled} clip(s) have no true class (label -1): not in recognition")
    unpredicted = sum(r.pred_label < 0 and r.label >= 0 for r in records)
    if recognition and unpredicted:
        warnings.append(
            f"{unpredicted} of {len(records)} clips have no predicted class; recognition scores "
            f"are over the others"
        )
    declared = any(
        run.metrics.get(f"test/{key}") is not None for run in runs for key in SPOTTING_SCORES
    )
    finite = all(np.all(np.isfinite(r.intensity)) for r in records)
    spotting = declared and finite
    if declared and not finite:
        warnings.append("frames.csv holds non-finite intensities: spotting scores left out")
    if not recognition:
        notes.append("spotting only: no clip has a predicted class (pred_label -1)")
    if not declared:
        notes.append("recognition only: metrics.json has no spotting score (all null)")
    for run in runs:
        if run.metrics.get("resumed_from"):
            notes.append(f"{label(run, roots)} resumed from {run.metrics['resumed_from']}")
    return recognition, spotting, warnings, notes


def _fold_row(run: Run, scores: dict[str, Any]) -> dict[str, Any]:
    """One row of the per-fold table."""
    return {
        "fold": run.fold,
        "path": str(run.path),
        "test_subjects": run.test_subjects,
        "selected": run.metrics.get("selected"),
        "epochs": run.metrics.get("epochs"),
        "seconds": run.metrics.get("seconds"),
        "resumed_from": run.metrics.get("resumed_from"),
        "scores": scores,
        "saved": {k: v for k, v in run.metrics.items() if k.startswith("test/")},
    }


def _subject_rows(
    runs: Sequence[Run], records: Sequence[ClipRecord], n: int, recognition: bool, spotting: bool
) -> list[dict[str, Any]]:
    """One row per test subject: its folds, clips, accuracy, frame AUC, interval F1, phase
    AUC and apex MAE."""
    subjects = []
    for subject in sorted({r.subject for r in records}):
        mine = [r for r in records if r.subject == subject]
        s = record_scores(mine, n, recognition=recognition, spotting=spotting)
        subjects.append(
            {
                "subject": subject,
                "folds": [
                    run.fold_name for run in runs if any(r.subject == subject for r in run.records)
                ],
                "clips": len(mine),
                "accuracy": s["accuracy"],
                **{k: s[k] for k in ("auc", "spot_f1", "phase_auc", "apex_mae")},
            }
        )
    return subjects


def _confusion(records: Sequence[ClipRecord], n: int) -> np.ndarray:
    done = recognised(records)
    return confusion_matrix(
        np.array([r.label for r in done], dtype=np.int64),
        np.array([r.pred_label for r in done], dtype=np.int64),
        n,
    )


def analyse_group(name: str, runs: Sequence[Run], roots: Sequence[Path] = ()) -> GroupReport:
    """Pool one method's runs: fold checks, scores, per-fold and per-subject tables."""
    notes: list[str] = []
    kept, left_out, classes, warnings = _one_class_list(runs, roots)
    stage, split = kept[0].stage, kept[0].split
    warnings += coverage_warnings(kept, split)
    warnings += config_warnings(kept)
    if split == "holdout_clips":
        notes.append(
            "split holdout_clips puts clips of one subject in both training and test: the numbers "
            "are not subject-independent (kept only to compare with papers that did so)"
        )
    records = [r for run in kept for r in run.records]
    recognition, spotting, more_warnings, more_notes = _outputs(kept, records, roots)
    warnings += more_warnings
    notes += more_notes

    n = len(classes)
    folds = []
    for run in kept:
        scores = record_scores(run.records, n, recognition=recognition, spotting=spotting)
        mismatch = _check_saved(run, scores, roots)
        if mismatch:
            warnings.append(mismatch)
        folds.append(_fold_row(run, scores))
    pooled = record_scores(records, n, recognition=recognition, spotting=spotting)
    pooled["folds"] = len(kept)
    wanted = [k for k in FOLD_SCORES if (k in RECOGNITION_SCORES and recognition)]
    wanted += [k for k in FOLD_SCORES if (k in SPOTTING_SCORES and spotting)]
    wanted += REFERENCE_SCORES
    per_fold = {k: _fold_stats([f["scores"][k] for f in folds]) for k in wanted}
    subjects = _subject_rows(kept, records, n, recognition, spotting)
    confusion = _confusion(records, n) if recognition else None
    roc = roc_points(*pooled_frames(records)) if is_number(pooled["auc"]) else None
    for w in warnings:
        logger.warning("%s: %s", name, w)
    return GroupReport(
        name=name,
        stage=stage,
        split=split,
        method=method_for(stage),
        classes=list(classes),
        runs=kept,
        left_out=left_out,
        recognition=recognition,
        spotting=spotting,
        pooled=pooled,
        folds=folds,
        per_fold=per_fold,
        subjects=subjects,
        confusion=confusion,
        roc=roc,
        selection=selection_text(kept),
        spot=_spot_config(kept),
        warnings=warnings,
        notes=notes,
    )
