"""Checking that the folds of one method belong together: one run per fold, LOSO coverage, the
same configuration (``.hydra/config.yaml`` and ``metrics.json`` fields) in every fold. Every
problem is a warning string."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from microexp.eval.report.runs import CONFIG_FILE, Run, label

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
