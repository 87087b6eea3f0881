"""Finding the runs of a sweep on disk, and checking that their folds belong together.

A run folder holds ``metrics.json`` beside ``predictions.csv`` and ``frames.csv`` (and, for runs
launched by Hydra, ``.hydra/config.yaml``). A sweep folder holds run folders (``0/``, ``1/`` ...),
and a joint run may hold backbone stage runs (``spatial/``, ``temporal/``) that have no
predictions: those are listed apart and never pooled with the joint numbers.

Nothing here raises on a bad file: each one is skipped with its reason (:class:`Skipped`), and
every problem with the folds (missing, duplicated, differently configured) is a warning string.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from collections import Counter, defaultdict
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
CONFIG_FILE = Path(".hydra") / "config.yaml"

#: Stages that train a backbone of the joint network: no clip predictions, never pooled.
BACKBONE_STAGES: frozenset[str] = frozenset({"spatial", "temporal"})

#: Config keys (dotted prefixes) that may differ between the folds of one sweep: the fold
#: itself, where things are written, how the data is found and shown, logging and resuming.
IGNORED_CONFIG_KEYS: tuple[str, ...] = (
    "hydra",
    "paths",
    "split.fold",
    "data.root",
    "data.cache_dir",
    "data.num_workers",
    "data.pin_memory",
    "data.progress",
    "data.synthetic",
    "logger",
    "callbacks.progress_bar",
    "callbacks.model_summary",
    "trainer.enable_progress_bar",
    "trainer.enable_model_summary",
    "ckpt_path",
)

#: ``metrics.json`` fields that must agree between the folds of one sweep.
COMPARED_METRICS: tuple[str, ...] = (
    "data/fingerprint",
    "data/clips",
    "data/subjects",
    "data/frame_stride",
    "width",
    "epochs",
    "selected",
)


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
class Skipped:
    """A ``metrics.json`` that was left out, and why."""

    path: Path
    reason: str


@dataclass
class Discovery:
    """Everything found under the run folders."""

    runs: list[Run] = field(default_factory=list)
    stage_runs: list[StageRun] = field(default_factory=list)
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
    if not isinstance(data, dict) or "stage" not in data:
        raise RunError(f"{path}: not a run's metrics.json (no 'stage' key)")
    return data


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
    return Run(folder, metrics, classes, records, config, metrics_path.stat().st_mtime)


def discover(roots: Sequence[Path], exclude: Sequence[Path] = ()) -> Discovery:
    """Load every run under ``roots``; backbone stage runs and unreadable ones set apart."""
    found = Discovery()
    for path in find_metrics(roots, exclude):
        try:
            metrics = read_metrics(path)
            if str(metrics.get("stage")) in BACKBONE_STAGES:
                found.stage_runs.append(StageRun(path.parent, metrics))
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


def dedupe_folds(
    runs: Sequence[Run], roots: Sequence[Path] = ()
) -> tuple[list[Run], list[Run], list[str]]:
    """Keep one run per fold (the newest ``metrics.json``); returns (kept, left out, warnings)."""
    by_fold: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_fold[run.fold_key].append(run)
    kept, dropped, warnings = [], [], []
    for key, same in by_fold.items():
        same = sorted(same, key=lambda r: r.mtime)
        kept.append(same[-1])
        if len(same) > 1:
            dropped += same[:-1]
            warnings.append(
                f"{key} found {len(same)} times: using the newest, {label(same[-1], roots)}; "
                f"left out: {', '.join(label(r, roots) for r in same[:-1])}"
            )
    order = {id(r): i for i, r in enumerate(runs)}
    kept.sort(key=lambda r: order[id(r)])
    return kept, dropped, warnings


def coverage_warnings(runs: Sequence[Run], split: str) -> list[str]:
    """Missing LOSO folds, test subjects that do not cover the data, overlapping test sets."""
    warnings: list[str] = []
    tested = Counter(s for run in runs for s in run.test_subjects)
    twice = sorted(s for s, n in tested.items() if n > 1)
    if twice:
        warnings.append(f"subject(s) tested in more than one fold: {', '.join(twice)}")
    if split != "loso":
        if split.startswith("holdout") and len(runs) > 1:
            warnings.append(f"{len(runs)} {split} runs pooled (one is expected)")
        return warnings
    counts = {r.metrics.get("data/subjects") for r in runs} - {None}
    if not counts:
        warnings.append("cannot check the folds: metrics.json has no data/subjects")
        return warnings
    n = max(int(c) for c in counts)
    folds = sorted(r.fold for r in runs if r.fold is not None)
    missing = sorted(set(range(n)) - set(folds))
    outside = sorted(f for f in folds if not 0 <= f < n)
    covered = len(tested)
    if missing:
        warnings.append(
            f"LOSO over {n} subjects expects folds 0-{n - 1}; found {len(folds)}, missing "
            f"fold(s) {', '.join(map(str, missing))} (test subjects cover {covered} of {n}: "
            f"{', '.join(sorted(tested))})"
        )
    elif covered < n:
        warnings.append(
            f"test subjects cover {covered} of {n} subjects: {', '.join(sorted(tested))}"
        )
    if outside:
        warnings.append(f"fold(s) {', '.join(map(str, outside))} outside 0-{n - 1}")
    return warnings


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _ignored(key: str) -> bool:
    return any(key == k or key.startswith(k + ".") for k in IGNORED_CONFIG_KEYS)


def _describe(key: str, values: dict[str, Any]) -> str:
    """``key: v1 (fold 0, fold 2); v2 (fold 1)``."""
    by_value: dict[str, list[str]] = defaultdict(list)
    for who, value in values.items():
        by_value[json.dumps(value, default=str)].append(who)
    parts = [f"{v} ({', '.join(who)})" for v, who in by_value.items()]
    return f"{key}: {'; '.join(parts)}"


def config_warnings(runs: Sequence[Run]) -> list[str]:
    """Differences between the folds' configs (``.hydra/config.yaml`` less
    :data:`IGNORED_CONFIG_KEYS`) and their ``metrics.json`` fields :data:`COMPARED_METRICS`."""
    if len(runs) < 2:
        return []
    diffs: list[str] = []
    for key in COMPARED_METRICS:
        values = {r.fold_key: r.metrics.get(key) for r in runs}
        first = next(iter(values.values()))
        if any(not _same(v, first) for v in values.values()):
            diffs.append(_describe(key, values))
    with_config = [r for r in runs if r.config is not None]
    if with_config:
        keys = sorted({k for r in with_config for k in r.config if not _ignored(k)})
        for key in keys:
            values = {r.fold_key: r.config.get(key, "<absent>") for r in with_config}
            first = next(iter(values.values()))
            if any(not _same(v, first) for v in values.values()):
                diffs.append(_describe(key, values))
    warnings = [f"configs differ between folds: {d}" for d in diffs]
    if with_config and len(with_config) < len(runs):
        warnings.append(
            f"{len(runs) - len(with_config)} of {len(runs)} runs have no {CONFIG_FILE}: their "
            "configs were compared by metrics.json only"
        )
    return warnings
