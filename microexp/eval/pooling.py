"""Pooling the runs of a sweep, method by method: the numbers of the LOSO report.

:func:`build_report` finds the runs under the given folders (:mod:`microexp.eval.runs`), checks
their folds (missing, duplicated, differently configured, disagreeing with their own
``metrics.json``) and pools each method's clips and frames (:mod:`microexp.eval.scores`): scores
over all folds, per-fold mean ± std, per-fold and per-subject tables, the confusion matrix and the
pooled ROC curve. Nothing is written here (see :mod:`microexp.eval.report`).

The modules that pull in torch (metrics, via torchmetrics) are imported where they are first
needed, so that a bad argument is reported at once, not after seconds of imports.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from microexp.eval.paper_tables import Method, method_for
from microexp.eval.records import ClipRecord, pooled_frames
from microexp.eval.runs import (
    Discovery,
    Run,
    Skipped,
    StageRun,
    config_warnings,
    coverage_warnings,
    dedupe_folds,
    discover,
    group_runs,
    label,
)

if TYPE_CHECKING:
    from microexp.eval.metrics import RocCurve

logger = logging.getLogger(__name__)

#: Scores with a per-fold mean ± std, in report order, with their display names.
FOLD_SCORES: dict[str, str] = {
    "accuracy": "Accuracy",
    "uf1": "UF1 (macro F1)",
    "uar": "UAR (macro recall)",
    "auc": "Frame AUC",
    "spot_f1": "Interval F1 (IoU ≥ 0.5)",
}
RECOGNITION_SCORES = ("accuracy", "uf1", "uar")
SPOTTING_SCORES = ("auc", "spot_f1")

#: How far a recomputed score may be from the one in ``metrics.json`` (``frames.csv`` holds
#: intensities to 6 decimals, which can tie frames and move the AUC a little).
TOLERANCE: dict[str, float] = {
    "accuracy": 1e-6,
    "uf1": 1e-6,
    "uar": 1e-6,
    "spot_f1": 1e-6,
    "auc": 1e-3,
}


class ReportError(RuntimeError):
    """Nothing to report (or nowhere to write it); the message says why."""


@dataclass
class GroupReport:
    """One method's runs, pooled."""

    name: str
    stage: str
    split: str
    method: Method
    classes: list[str]
    runs: list[Run]
    left_out: list[Run]
    recognition: bool
    spotting: bool
    pooled: dict[str, Any]
    folds: list[dict[str, Any]]
    per_fold: dict[str, dict[str, float | int]]
    subjects: list[dict[str, Any]]
    confusion: np.ndarray | None
    roc: RocCurve | None
    selection: str
    spot: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plots: dict[str, Path] = field(default_factory=dict)

    @property
    def records(self) -> list[ClipRecord]:
        return [r for run in self.runs for r in run.records]

    @property
    def slug(self) -> str:
        """The group's folder name under the report folder."""
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", self.name).strip("-") or "runs"


@dataclass
class Report:
    """Everything the report says."""

    roots: list[Path]
    out: Path
    groups: dict[str, GroupReport]
    stage_runs: list[StageRun]
    skipped: list[Skipped]
    warnings: list[str]
    created: str
    plots: dict[str, Path] = field(default_factory=dict)


# --------------------------------------------------------------------------- analysis


def _fold_stats(values: Sequence[float]) -> dict[str, float | int]:
    """Mean and (population, ddof=0) standard deviation of the finite values, and their count."""
    finite = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    if finite.size == 0:
        return {"mean": math.nan, "std": math.nan, "n": 0}
    return {"mean": float(finite.mean()), "std": float(finite.std()), "n": int(finite.size)}


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


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not None)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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


def _check_saved(run: Run, scores: dict[str, Any], roots: Sequence[Path]) -> str | None:
    """A warning when ``metrics.json`` disagrees with the scores recomputed from the CSVs."""
    bad = []
    for key, tol in TOLERANCE.items():
        saved = run.metrics.get(f"test/{key}")
        if not is_number(saved):
            continue
        mine = scores.get(key, math.nan)
        if not (math.isfinite(mine) and abs(mine - saved) <= tol):
            bad.append(f"test/{key} {saved:.4f} vs {mine:.4f}")
    if not bad:
        return None
    return (
        f"{label(run, roots)}: metrics.json disagrees with its predictions.csv/frames.csv: "
        f"{', '.join(bad)} (the report uses the CSV files)"
    )


def analyse_group(name: str, runs: Sequence[Run], roots: Sequence[Path] = ()) -> GroupReport:
    """Pool one method's runs: fold checks, scores, per-fold and per-subject tables."""
    from microexp.eval.metrics import confusion_matrix, roc_points
    from microexp.eval.scores import recognised, record_scores

    warnings: list[str] = []
    notes: list[str] = []
    kept, left_out, dup = dedupe_folds(runs, roots)
    warnings += dup
    # one class list per group: a run with other classes cannot be pooled
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
    stage, split = kept[0].stage, kept[0].split
    warnings += coverage_warnings(kept, split)
    warnings += config_warnings(kept)
    if split == "holdout_clips":
        notes.append(
            "split holdout_clips puts clips of one subject in both training and test: the numbers "
            "are not subject-independent (kept only to compare with papers that did so)"
        )

    records = [r for run in kept for r in run.records]
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
        run.metrics.get("test/auc") is not None or run.metrics.get("test/spot_f1") is not None
        for run in kept
    )
    finite = all(np.all(np.isfinite(r.intensity)) for r in records)
    spotting = declared and finite
    if declared and not finite:
        warnings.append("frames.csv holds non-finite intensities: spotting scores left out")
    if not recognition:
        notes.append("spotting only: no clip has a predicted class (pred_label -1)")
    if not declared:
        notes.append("recognition only: metrics.json has no spotting scores (test/auc null)")
    for run in kept:
        if run.metrics.get("resumed_from"):
            notes.append(f"{label(run, roots)} resumed from {run.metrics['resumed_from']}")

    n = len(classes)
    folds = []
    for run in kept:
        scores = record_scores(run.records, n, recognition=recognition, spotting=spotting)
        mismatch = _check_saved(run, scores, roots)
        if mismatch:
            warnings.append(mismatch)
        folds.append(
            {
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
        )
    pooled = record_scores(records, n, recognition=recognition, spotting=spotting)
    pooled["folds"] = len(kept)
    wanted = [k for k in FOLD_SCORES if (k in RECOGNITION_SCORES and recognition)]
    wanted += [k for k in FOLD_SCORES if (k in SPOTTING_SCORES and spotting)]
    per_fold = {k: _fold_stats([f["scores"][k] for f in folds]) for k in wanted}

    subjects = []
    for subject in sorted({r.subject for r in records}):
        mine = [r for r in records if r.subject == subject]
        s = record_scores(mine, n, recognition=recognition, spotting=spotting)
        subjects.append(
            {
                "subject": subject,
                "folds": [
                    run.fold_key for run in kept if any(r.subject == subject for r in run.records)
                ],
                "clips": len(mine),
                "accuracy": s["accuracy"],
                "auc": s["auc"],
                "spot_f1": s["spot_f1"],
            }
        )
    confusion = None
    if recognition:
        done = recognised(records)
        confusion = confusion_matrix(
            np.array([r.label for r in done], dtype=np.int64),
            np.array([r.pred_label for r in done], dtype=np.int64),
            n,
        )
    roc = (
        roc_points(*pooled_frames(records)) if spotting and math.isfinite(pooled["auc"]) else None
    )
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


def build_report(roots: Sequence[Path], out: Path) -> Report:
    """Find, check and pool every run under ``roots`` (nothing is written yet)."""
    roots = [Path(r) for r in roots]
    for root in roots:
        if not root.exists():
            raise ReportError(f"{root} does not exist")
        if not root.is_dir():
            raise ReportError(f"{root} is not a folder (give a run or sweep folder)")
    found: Discovery = discover(roots, exclude=[out])
    if not found.runs:
        if found.skipped:
            reasons = "; ".join(s.reason for s in found.skipped[:5])
            raise ReportError(f"no readable run under {', '.join(map(str, roots))}: {reasons}")
        if found.stage_runs:
            stages = ", ".join(sorted({str(s.metrics["stage"]) for s in found.stage_runs}))
            raise ReportError(
                f"only backbone stage runs ({stages}) under {', '.join(map(str, roots))}: they "
                "have no clip predictions to report"
            )
        raise ReportError(
            f"no {'metrics.json'} under {', '.join(map(str, roots))}: give a run folder or a "
            "multirun sweep folder written by train.py"
        )
    resolved = [r.resolve() for r in roots]
    warnings: list[str] = []
    for s in found.skipped:
        warnings.append(f"skipped {s.reason}")
    groups = {
        name: analyse_group(name, runs, resolved) for name, runs in group_runs(found.runs).items()
    }
    for g in groups.values():
        warnings += [f"{g.name}: {w}" for w in g.warnings]
    prints = {
        name: {r.metrics.get("data/fingerprint") for r in g.runs} - {None}
        for name, g in groups.items()
    }
    if len(set().union(*prints.values())) > 1:
        warning = "methods ran on different data (data/fingerprint): " + "; ".join(
            f"{name} {', '.join(sorted(p))}" for name, p in prints.items() if p
        )
        logger.warning(warning)
        warnings.append(warning)
    if found.stage_runs:
        logger.info(
            "%d backbone stage run(s) (spatial/temporal) listed apart, not pooled",
            len(found.stage_runs),
        )
    return Report(
        roots=roots,
        out=out,
        groups=groups,
        stage_runs=found.stage_runs,
        skipped=found.skipped,
        warnings=warnings,
        created=dt.datetime.now().isoformat(timespec="seconds"),
    )
