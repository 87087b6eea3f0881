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
    from microexp.eval.scores import RocCurve

#: Scores with a per-fold mean ± std, in report order, with their display names.
FOLD_SCORES: dict[str, str] = {
    "accuracy": "Accuracy",
    "uf1": "UF1 (macro F1)",
    "uar": "UAR (macro recall)",
    "auc": "Frame AUC",
    "spot_f1": "Interval F1 (IoU ≥ 0.5)",
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


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not None)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
