"""What a LOSO report holds: each method's pooled runs and the report around them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from microexp.eval.records import ClipRecord
from microexp.eval.report.paper_tables import Method
from microexp.eval.report.runs import Run, Skipped, StageRun

if TYPE_CHECKING:
    from microexp.eval.report.composite import CompositeTable
    from microexp.eval.report.megc_spotting import MegcMethod
    from microexp.eval.scores import RocCurve

#: Scores with a per-fold mean ± std, in report order, with their display names.
FOLD_SCORES: dict[str, str] = {
    "accuracy": "Accuracy",
    "uf1": "UF1 (macro F1)",
    "uar": "UAR (macro recall)",
    "auc": "Frame AUC (inside/outside)",
    "spot_f1": "Interval F1 (IoU ≥ 0.5)",
    "phase_auc": "Phase AUC (target ≥ 0.5)",
    "apex_mae": "Apex MAE (frames)",
    "apex_nmae": "Apex MAE / clip length",
    "apex_hit": "Apex hits (±10% of the clip)",
}
#: Recognition and spotting scores among :data:`FOLD_SCORES`.
RECOGNITION_SCORES: tuple[str, ...] = ("accuracy", "uf1", "uar")
SPOTTING_SCORES: tuple[str, ...] = (
    "auc",
    "spot_f1",
    "phase_auc",
    "apex_mae",
    "apex_nmae",
    "apex_hit",
)
#: Scores counted in frames (every other score is a fraction, shown in percent).
FRAME_SCORES: frozenset[str] = frozenset({"apex_mae"})
#: The reference rows shown beside each method, by their ``ref_<name>/`` prefix.
REFERENCE_ROWS: dict[str, str] = {
    "centre": "Reference: centre frame as apex",
    "flow": "Reference: flow-magnitude peak as apex",
    "whole": "Reference: whole clip as the interval",
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
    missing: dict[str, str] = field(default_factory=dict)  # figure not drawn -> why

    @property
    def records(self) -> list[ClipRecord]:
        return [r for run in self.runs for r in run.records]


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
    missing: dict[str, str] = field(default_factory=dict)  # figure not drawn -> why
    megc: dict[str, MegcMethod] = field(default_factory=dict)  # long-video spotting
    composite: dict[str, CompositeTable] = field(default_factory=dict)  # per-release recognition


def slug(name: str) -> str:
    """A method's folder name under the report folder."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "runs"


def why_key(key: str) -> str:
    """The key of the reason beside a null score: ``auc`` -> ``auc_why``, ``apex_mae`` ->
    ``apex_why`` (one reason for the three apex scores)."""
    return "apex_why" if key.startswith("apex_") else f"{key}_why"


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not None)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
