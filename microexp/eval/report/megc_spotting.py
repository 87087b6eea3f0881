"""Long-video spotting pooled the MEGC way: per method, TP/FP/FN summed over every LOSO fold, then
F1 per dataset and expression type (:mod:`microexp.eval.megc`).

Where the folds wrote ``spots.csv`` and ``truth.csv``, their rows are concatenated and scored by
:func:`microexp.eval.megc.spotting.score_spotting` (the authoritative path; the concatenated files
are written into the report so that ``python -m microexp.eval.megc spot`` gives the same table).
A fold without them contributes the ``test/megc/<type>_{tp,fp,fn}`` counts of its
``metrics.json``, and the method's source line says so. Each fold's ``metrics.json`` is
cross-checked against its own files.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microexp.eval.megc.formats import read_predictions, read_truth
from microexp.eval.megc.records import KINDS, MegcInputError, Predictions, Truth
from microexp.eval.megc.spotting import Counts, SpotScores, score_spotting
from microexp.eval.report.paper_tables import Method, method_for
from microexp.eval.report.published import spot_dataset
from microexp.eval.report.runs import SPOTS_FILE, TRUTH_FILE, LongRun

logger = logging.getLogger(__name__)


@dataclass
class MegcMethod:
    """One method's long-video runs, pooled."""

    name: str
    method: Method
    folds: list[str]
    scores: dict[str, dict[str, Any]]  # dataset -> micro/macro/overall (+ notes)
    source: str
    truth: Truth = field(default_factory=dict)  # the folds' truth.csv rows, concatenated
    predictions: Predictions = field(default_factory=dict)  # their spots.csv rows
    warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)


def _fold(run: LongRun) -> str:
    fold = run.metrics.get("fold")
    return f"fold {fold}" if fold is not None else str(run.metrics.get("split") or run.path.name)


def _saved_counts(run: LongRun) -> tuple[str, dict[str, Counts]] | None:
    """The dataset and per-type counts of a run's ``metrics.json`` (None when it lacks them)."""
    counts = {}
    for kind in KINDS:
        keys = [f"test/megc/{kind}_{c}" for c in ("tp", "fp", "fn")]
        values = [run.metrics.get(k) for k in keys]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return None
        tp, fp, fn = values
        counts[kind] = Counts(tp, tp + fp, tp + fn)
    dataset = run.metrics.get("data/dataset") or run.metrics.get("dataset") or "unknown"
    return spot_dataset(str(dataset)), counts


def _check_saved(run: LongRun, scores: SpotScores) -> list[str]:
    """Where a fold's ``metrics.json`` disagrees with its own ``spots.csv``/``truth.csv``."""
    bad = []
    for per_kind in scores.counts.values():
        for kind in KINDS:
            c = per_kind[kind]
            for name, mine in (("tp", c.tp), ("fp", c.fp), ("fn", c.fn)):
                saved = run.metrics.get(f"test/megc/{kind}_{name}")
                if saved is not None and saved != mine:
                    bad.append(f"test/megc/{kind}_{name} {saved} vs {mine}")
        overall = sum(per_kind.values(), Counts()).to_json()["f1"]
        saved = run.metrics.get("test/megc/overall_f1")
        if saved is not None and (overall is None or abs(saved - overall) > 1e-6):
            bad.append(f"test/megc/overall_f1 {saved} vs {overall}")
    if not bad:
        return []
    return [
        f"{_fold(run)} ({run.path}): metrics.json disagrees with its spots.csv/truth.csv: "
        + ", ".join(bad)
        + " (the report uses the CSV files)"
    ]


def _merge(into: dict, more: dict, what: str, fold: str, warnings: list[str]) -> None:
    """Add one fold's videos; a video already given by another fold is counted once."""
    twice = [key for key in more if key in into]
    if twice:
        warnings.append(
            f"{fold}: {len(twice)} video(s) of its {what} also in another fold "
            f"({', '.join('/'.join(k) for k in twice[:5])}): counted once; LOSO folds must not "
            "share videos"
        )
    for key, value in more.items():
        into.setdefault(key, value)


def _score(truth: Truth, predictions: Predictions, warnings: list[str]) -> SpotScores:
    try:
        return score_spotting(truth, predictions)
    except MegcInputError as exc:
        warnings.append(f"spots.csv names videos truth.csv lacks: {exc}")
        return score_spotting(truth, predictions, count_unlisted=True)


def pool_method(name: str, runs: Sequence[LongRun]) -> MegcMethod:
    """Pool one method's long-video runs (see the module docstring)."""
    warnings: list[str] = []
    truth: Truth = {}
    predictions: Predictions = {}
    extra: dict[str, dict[str, Counts]] = defaultdict(lambda: dict.fromkeys(KINDS, Counts()))
    from_files, from_metrics, folds = [], [], []
    for run in runs:
        fold = _fold(run)
        folds.append(fold)
        files = (run.path / TRUTH_FILE, run.path / SPOTS_FILE)
        if all(f.is_file() for f in files):
            try:
                t, p = read_truth(files[0]), read_predictions(files[1])
            except MegcInputError as exc:
                warnings.append(f"{fold}: cannot read its MEGC files ({exc})")
            else:
                warnings += _check_saved(run, _score(t, p, warnings))
                _merge(truth, t, "truth.csv", fold, warnings)
                _merge(predictions, p, "spots.csv", fold, warnings)
                from_files.append(fold)
                continue
        saved = _saved_counts(run)
        if saved is None:
            warnings.append(
                f"{fold} ({run.path}): no {SPOTS_FILE}/{TRUTH_FILE} and no "
                "test/megc/<type>_{tp,fp,fn} in metrics.json: left out of the MEGC table"
            )
            continue
        dataset, counts = saved
        for kind in KINDS:
            extra[dataset][kind] += counts[kind]
        from_metrics.append(fold)
    scores = _score(truth, predictions, warnings) if truth else SpotScores({}, [])
    for dataset, per_kind in extra.items():
        base = scores.counts.setdefault(dataset, dict.fromkeys(KINDS, Counts()))
        for kind in KINDS:
            base[kind] += per_kind[kind]
    source = []
    if from_files:
        source.append(
            f"{SPOTS_FILE}/{TRUTH_FILE} of {len(from_files)} fold(s), concatenated and scored "
            "by microexp.eval.megc"
        )
    if from_metrics:
        source.append(
            f"the TP/FP/FN of metrics.json for {', '.join(from_metrics)} (no {SPOTS_FILE})"
        )
    stage = str(runs[0].metrics.get("stage"))
    pooled = scores.to_json()
    warnings += _undefined(pooled)
    for w in warnings:
        logger.warning("%s (MEGC): %s", name, w)
    return MegcMethod(
        name=name,
        method=method_for(stage),
        folds=folds,
        scores=pooled,
        source="; ".join(source) or "nothing to pool",
        truth=truth,
        predictions=predictions,
        warnings=warnings,
    )


def _undefined(scores: dict[str, dict[str, Any]]) -> list[str]:
    """An F1 that is null on the pooled folds (no truth and no spot of that type), and a dataset
    where nothing at all was spotted (every F1 is 0: what a silent predictor gets)."""
    out = []
    for dataset, entry in scores.items():
        for kind in (*KINDS, "overall"):
            if entry[kind]["f1"] is None:
                out.append(f"{dataset} {kind} F1 undefined: {entry[kind].get('f1_reason')}")
        if entry["overall"]["n_pred"] == 0 and entry["overall"]["n_truth"]:
            out.append(f"{dataset}: nothing spotted in any video (F1 0, a silent predictor's)")
    return out


def _dedupe(runs: Sequence[LongRun]) -> tuple[list[LongRun], list[str]]:
    """One run per fold (the newest ``metrics.json``)."""
    by_fold: dict[str, list[LongRun]] = defaultdict(list)
    for run in runs:
        by_fold[_fold(run)].append(run)
    kept, warnings = [], []
    for fold, same in by_fold.items():
        same = sorted(same, key=lambda r: (r.path / "metrics.json").stat().st_mtime)
        kept.append(same[-1])
        if len(same) > 1:
            warnings.append(
                f"{fold} found {len(same)} times: using the newest, {same[-1].path}; left out: "
                + ", ".join(str(r.path) for r in same[:-1])
            )
    return kept, warnings


def pool_long_runs(runs: Sequence[LongRun]) -> dict[str, MegcMethod]:
    """Every method's long-video runs pooled, keyed like the clip methods (stage, or
    ``stage (split)`` when a stage ran under several splits)."""
    by_stage: dict[str, dict[str, list[LongRun]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        by_stage[str(run.metrics.get("stage"))][str(run.metrics.get("split"))].append(run)
    methods = {}
    for stage in sorted(by_stage, key=lambda s: (s != "joint", s)):
        splits = by_stage[stage]
        for split in sorted(splits):
            name = stage if len(splits) == 1 else f"{stage} ({split})"
            kept, warnings = _dedupe(splits[split])
            kept.sort(key=lambda r: (r.metrics.get("fold") is None, r.metrics.get("fold") or 0))
            methods[name] = pool_method(name, kept)
            methods[name].warnings[:0] = warnings
    return methods
