"""Finding the runs of a sweep on disk (:mod:`microexp.eval.report.folds` checks their folds).

A run folder holds ``metrics.json`` beside ``predictions.csv`` and ``frames.csv`` (and, for runs
launched by Hydra, ``.hydra/config.yaml``). A sweep folder holds run folders (``0/``, ``1/`` ...),
and a joint run may hold backbone stage runs (``spatial/``, ``temporal/``) that have no
predictions: those are listed apart and never pooled with the joint numbers. A long-video
spotting run holds ``spots.csv`` and ``truth.csv`` (the MEGC scorer's files) and
``test/megc/*`` scores instead of clip predictions: it is collected for the MEGC tables.

Nothing here raises on a bad file: each one is skipped with its reason (:class:`Skipped`).
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from microexp.eval.records import REQUIRED_FIELDS, ClipRecord, records_from_files

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions.csv"
FRAMES_FILE = "frames.csv"
SPOTS_FILE = "spots.csv"
TRUTH_FILE = "truth.csv"
CONFIG_FILE = Path(".hydra") / "config.yaml"

#: Stages that train a backbone of the joint network: no clip predictions, never pooled.
BACKBONE_STAGES: frozenset[str] = frozenset({"spatial", "temporal"})


class RunError(ValueError):
    """A run folder that cannot be read; the message names the file."""


@dataclass
class Run:
    """One test run: its ``metrics.json``, its clip records and (if any) its flat config."""

    path: Path  # the run folder
    metrics: dict[str, Any]
    classes: list[str]
    records: list[ClipRecord]
    config: dict[str, Any] | None = None  # flattened .hydra/config.yaml
    mtime: float = 0.0
    datasets: list[str] | None = None  # predictions.csv's dataset column, one per record

    @property
    def stage(self) -> str:
        return str(self.metrics.get("stage"))

    @property
    def split(self) -> str:
        return str(self.metrics.get("split") or "unknown")

    @property
    def fold(self) -> int | None:
        fold = self.metrics.get("fold")
        return int(fold) if isinstance(fold, int | float) and not isinstance(fold, bool) else None

    @property
    def test_subjects(self) -> list[str]:
        subjects = self.metrics.get("test_subjects")
        if isinstance(subjects, list) and subjects:
            return [str(s) for s in subjects]
        return sorted({r.subject for r in self.records})

    @property
    def fold_name(self) -> str:
        """The fold as tables show it: ``fold 3``, or the split of a run without folds."""
        return f"fold {self.fold}" if self.fold is not None else self.split

    @property
    def fold_key(self) -> str:
        """What identifies the fold: its number, else its test subjects."""
        return f"fold {self.fold}" if self.fold is not None else ",".join(self.test_subjects)


@dataclass
class StageRun:
    """A backbone stage run (``spatial``/``temporal``): reported apart, never pooled."""

    path: Path
    metrics: dict[str, Any]


@dataclass
class LongRun:
    """A long-video spotting run: ``spots.csv``/``truth.csv`` and ``test/megc/*`` scores."""

    path: Path
    metrics: dict[str, Any]


@dataclass
class Skipped:
    """A ``metrics.json`` that was left out, and why."""

    path: Path
    reason: str


@dataclass
class Discovery:
    """Everything found under the run folders."""

    runs: list[Run] = field(default_factory=list)
    stage_runs: list[StageRun] = field(default_factory=list)
    long_runs: list[LongRun] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def find_metrics(roots: Sequence[Path], exclude: Sequence[Path] = ()) -> list[Path]:
    """Every ``metrics.json`` under ``roots`` (sorted, no duplicates), none under ``exclude``."""
    excluded = [Path(p).resolve() for p in exclude]
    found: dict[Path, None] = {}
    for root in roots:
        root = Path(root)
        candidates = [root / METRICS_FILE] if (root / METRICS_FILE).is_file() else []
        candidates += sorted(root.rglob(METRICS_FILE), key=_natural_key)
        for path in candidates:
            real = path.resolve()
            if any(real.is_relative_to(e) for e in excluded):
                continue
            found.setdefault(real, None)
    return list(found)


def _natural_key(path: Path) -> list[Any]:
    """Sort ``2/`` before ``10/``."""
    return [int(p) if p.isdigit() else p for p in path.parts]


def read_datasets(path: Path) -> list[str] | None:
    """The ``dataset`` column of a ``predictions.csv`` (None when the file has none)."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "dataset" not in rows[0]:
        return None
    return [row["dataset"] for row in rows]


def is_long_run(folder: Path, metrics: dict[str, Any]) -> bool:
    """A long-video spotting run: the MEGC scorer's files or ``test/megc/*`` scores."""
    return (folder / SPOTS_FILE).is_file() or any(k.startswith("test/megc/") for k in metrics)


def read_classes(path: Path) -> list[str]:
    """Class names from a ``predictions.csv`` header (its ``p_<class>`` columns)."""
    with path.open(newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise RunError(f"{path} is empty")
    missing = [c for c in REQUIRED_FIELDS if c not in header]
    if missing:
        raise RunError(f"{path}: header lacks column(s) {', '.join(missing)}")
    classes = [c[2:] for c in header if c.startswith("p_")]
    if not classes:
        raise RunError(f"{path}: header has no p_<class> columns")
    return classes


def flat_config(path: Path) -> dict[str, Any]:
    """A Hydra ``config.yaml`` flattened to dotted keys (interpolations left as written)."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RunError(f"{path}: cannot read ({exc})") from exc
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            out[prefix] = value

    walk("", data or {})
    return out


def read_metrics(path: Path) -> dict[str, Any]:
    """A ``metrics.json`` as a dict; :class:`RunError` naming the file when it is not one."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: not readable JSON ({exc})") from exc
    if isinstance(data, dict) and "stage" not in data and (path.parent / SPOTS_FILE).is_file():
        return _unnamed_long_run(path.parent, data)
    if not isinstance(data, dict) or "stage" not in data:
        raise RunError(f"{path}: not a run's metrics.json (no 'stage' key)")
    return data


def _unnamed_long_run(folder: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """A long-video fold whose ``metrics.json`` does not name its method (the long-video
    baselines write ``<method>/fold_NN/``): the method from the parent folder, the fold from the
    folder's number, LOSO."""
    digits = re.fullmatch(r"\D*(\d+)", folder.name)
    return {
        "stage": folder.parent.name,
        "fold": int(digits.group(1)) if digits else None,
        "split": "loso",
        **metrics,
    }


def load_run(metrics_path: Path) -> Run:
    """Read one run folder (its ``metrics.json`` names it); :class:`RunError` when it cannot."""
    import pandas as pd

    folder = metrics_path.parent
    metrics = read_metrics(metrics_path)
    predictions, frames = folder / PREDICTIONS_FILE, folder / FRAMES_FILE
    for needed in (predictions, frames):
        if not needed.is_file():
            raise RunError(f"{folder}: {METRICS_FILE} without {needed.name}")
    classes = read_classes(predictions)
    try:
        records = records_from_files(predictions, frames, classes)
    except (ValueError, KeyError, TypeError, IndexError, pd.errors.ParserError) as exc:
        raise RunError(f"{folder}: cannot read {PREDICTIONS_FILE}/{FRAMES_FILE} ({exc})") from exc
    if not records:
        raise RunError(f"{predictions} holds no clips")
    for r in records:  # -1: no class (a clip outside the protocol, or a spotting-only method)
        if not (-1 <= r.label < len(classes) and -1 <= r.pred_label < len(classes)):
            raise RunError(
                f"{predictions}: clip {r.subject}/{r.episode} has label {r.label} / prediction "
                f"{r.pred_label} outside -1..{len(classes) - 1}"
            )
    config_path = folder / CONFIG_FILE
    config = flat_config(config_path) if config_path.is_file() else None
    mtime = metrics_path.stat().st_mtime
    return Run(folder, metrics, classes, records, config, mtime, read_datasets(predictions))


def discover(roots: Sequence[Path], exclude: Sequence[Path] = ()) -> Discovery:
    """Load every run under ``roots``; backbone stage runs and unreadable ones set apart."""
    found = Discovery()
    for path in find_metrics(roots, exclude):
        try:
            metrics = read_metrics(path)
            if str(metrics.get("stage")) in BACKBONE_STAGES:
                found.stage_runs.append(StageRun(path.parent, metrics))
                continue
            if is_long_run(path.parent, metrics):
                found.long_runs.append(LongRun(path.parent, metrics))
                if not (path.parent / PREDICTIONS_FILE).is_file():
                    continue
            found.runs.append(load_run(path))
        except RunError as exc:
            logger.warning("skipped: %s", exc)
            found.skipped.append(Skipped(path, str(exc)))
    return found


# --------------------------------------------------------------------------- grouping


def group_runs(runs: Iterable[Run]) -> dict[str, list[Run]]:
    """Runs by method: keyed by stage, or ``stage (split)`` when a stage ran under several splits.

    Different splits of one method are never pooled together.
    """
    by_stage: dict[str, dict[str, list[Run]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        by_stage[run.stage][run.split].append(run)
    groups: dict[str, list[Run]] = {}
    for stage in sorted(by_stage, key=lambda s: (s != "joint", s)):
        splits = by_stage[stage]
        for split in sorted(splits):
            name = stage if len(splits) == 1 else f"{stage} ({split})"
            groups[name] = sorted(splits[split], key=lambda r: (r.fold is None, r.fold or 0))
    return groups


def label(run: Run, roots: Sequence[Path] = ()) -> str:
    """A short name of a run for messages: its fold and its folder (relative to its root)."""
    where = run.path
    for root in roots:
        if run.path.is_relative_to(root) and run.path != root:
            where = run.path.relative_to(root)
            break
    return f"{run.fold_key} ({where})"
