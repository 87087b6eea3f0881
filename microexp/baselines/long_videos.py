"""LBP and HOOF feature-difference spotting on long videos (the MEGC 2019/2020 baselines'
family), on the network's caches, splits and scorer:

    python -m microexp.baselines.long_videos --root R --dataset casme_sq [--fold all] [--out O]

Per video, block LBP histograms of every chain frame (LBP) or orientation histograms of every
flow entry (HOOF, the lag-referenced flow the network sees) give the feature-difference curve of
:mod:`microexp.baselines.difference` with half-interval ``k``. As the MEGC baseline does, each
type has its own ``k`` and its own run: ``k`` = half the mean length of the TRAINING
expressions of that type, intervals ``peak +- k`` at the peaks above ``mean + p (max - mean)``
(:class:`~microexp.eval.long_videos.VideoSpotting` ``peak``), ``p`` chosen per type on the
training videos' F1 (the scorer's), never on a test subject. Every fold writes
``spots.csv``, ``truth.csv``, ``megc.json`` and ``metrics.json`` (``test/megc/...``), as the
network's runs do; ``<method>/megc.json`` pools the folds.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from microexp.baselines.difference import spotting_curve
from microexp.baselines.hoof import orientation_histograms
from microexp.baselines.lbp import lbp_features
from microexp.data.records import DataFormatError
from microexp.data.splits import loso_split
from microexp.data.video_store import PreparedVideo, VideoStore
from microexp.eval.long_videos import (
    VideoSpotting,
    flat_metrics,
    megc_name,
    pool_folds,
    truth_of,
    write_fold,
)
from microexp.eval.megc.records import KINDS, Predictions, PredInterval
from microexp.eval.megc.spotting import score_spotting

log = logging.getLogger(__name__)

METHODS = ("lbp", "hoof")
#: The thresholds ``p`` tried on the training videos.
P_GRID = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))


def video_features(pv: PreparedVideo, method: str, grid: tuple[int, int] = (6, 6)) -> np.ndarray:
    """``(M, blocks, bins)`` per chain frame, computed one cache chunk at a time."""
    parts = []
    for a in range(0, pv.steps + 1, pv.chunk):
        b = min(pv.steps + 1, a + pv.chunk)
        if method == "lbp":
            parts.append(lbp_features(pv.frames(a, b), grid=grid))
        else:
            parts.append(orientation_histograms(pv.motion(a, b), grid=grid))
    return np.concatenate(parts)


def half_interval(videos: Sequence[PreparedVideo], kind: str, stride: int) -> int | None:
    """Half the mean length (chain steps) of the expressions of ``kind`` in ``videos``."""
    lengths = [
        e.offset - e.onset + 1 for v in videos for e in v.video.expressions if e.kind == kind
    ]
    if not lengths:
        return None
    return max(1, round((float(np.mean(lengths)) - 1) / 2 / stride))


def spot(
    curves: dict[str, np.ndarray], videos: Sequence[PreparedVideo], k: int, p: float, stride: int
) -> Predictions:
    """Peak intervals ``+- k`` steps of every video's curve, typed by length."""
    out: Predictions = {}
    for pv in videos:
        fps = pv.video.fps
        rule = VideoSpotting(
            method="peak", p=p, half_width_s=k * stride / fps, distance_s=k * stride / fps,
            smooth_s=0.0, min_length_s=0.0,
        )  # fmt: skip
        found = rule.intervals(curves[pv.id], pv.numbers, fps, stride)
        if found:
            out[(megc_name(pv.video.dataset), pv.video.video)] = found
    return out


def _fps(videos: Sequence[PreparedVideo]) -> dict[str, float]:
    return {megc_name(v.video.dataset): v.video.fps for v in videos}


def choose_p(
    curves: dict[str, np.ndarray], train: Sequence[PreparedVideo], kind: str, k: int, stride: int
) -> float:
    """The ``p`` of :data:`P_GRID` with the best F1 of ``kind`` on the training videos."""
    truth = truth_of(v.video for v in train)
    best, best_f1 = P_GRID[0], -1.0
    for p in P_GRID:
        preds = spot(curves, train, k, float(p), stride)
        kept = {key: [x for x in xs if x.kind == kind] for key, xs in preds.items()}
        entry = next(iter(score_spotting(truth, kept, _fps(train)).to_json().values()))
        f1 = entry[kind]["f1"] or 0.0
        if f1 > best_f1:
            best, best_f1 = float(p), f1
    return best


def run_fold(
    bank: CurveBank,
    train: Sequence[PreparedVideo],
    test: Sequence[PreparedVideo],
    stride: int,
    out: Path,
) -> dict[str, Any]:
    """One fold of one method: ``k`` and ``p`` per type from ``train``, test files in ``out``."""
    predictions: Predictions = {}
    chosen: dict[str, Any] = {}
    for kind in KINDS:
        k = half_interval(train, kind, stride)
        chosen[f"k_{kind}"] = k
        if k is None:
            continue
        curves = bank.at(k)
        p = choose_p(curves, train, kind, k, stride)
        chosen[f"p_{kind}"] = p
        for key, found in spot(curves, test, k, p, stride).items():
            typed: list[PredInterval] = [x for x in found if x.kind == kind]
            predictions.setdefault(key, []).extend(typed)
    metrics = write_fold(out, truth_of(v.video for v in test), predictions, _fps(test))
    metrics.update({f"chosen/{k}": v for k, v in chosen.items()})
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


class CurveBank:
    """Every video's feature-difference curve for a half-interval ``k``, computed once per
    ``k`` from features computed once per video."""

    def __init__(self, features: dict[str, np.ndarray]) -> None:
        self.features = features
        self._curves: dict[int, dict[str, np.ndarray]] = {}

    def at(self, k: int) -> dict[str, np.ndarray]:
        if k not in self._curves:
            self._curves[k] = {vid: spotting_curve(f, k) for vid, f in self.features.items()}
        return self._curves[k]


def run_long_baselines(
    store: VideoStore,
    out: Path,
    methods: Sequence[str] = METHODS,
    folds: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Every LOSO fold (or ``folds``) of every method; returns the summary (also
    ``out/summary.json``) with the pooled scores."""
    data = store.prepare()
    videos = data.videos
    subjects = [v.subject for v in videos]
    chosen = range(len(set(subjects))) if folds is None else folds
    splits = [loso_split(subjects, f) for f in chosen]
    summary: dict[str, Any] = {"root": str(store.root), "dataset": store.dataset, "methods": {}}
    for method in methods:
        start = time.perf_counter()
        bank = CurveBank({v.id: video_features(v, method) for v in videos})
        dirs = []
        for split in splits:
            train = [v for v in videos if v.subject in split.train]
            test = [v for v in videos if v.subject in split.test]
            folder = out / method / f"fold_{split.fold:02d}"
            run_fold(bank, train, test, store.frame_stride, folder)
            dirs.append(folder)
        pooled = pool_folds(dirs, _fps(videos))
        (out / method / "megc.json").write_text(json.dumps(pooled, indent=2) + "\n")
        summary["methods"][method] = {
            "pooled": flat_metrics(pooled, prefix=""),
            "seconds": round(time.perf_counter() - start, 1),
        }
    summary["folds"] = [s.fold for s in splits]
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m microexp.baselines.long_videos", description=__doc__.splitlines()[0]
    )
    p.add_argument("--root", type=Path, required=True, help="the release folder")
    p.add_argument("--dataset", default="casme_sq", choices=("casme_sq", "samm_lv"))
    p.add_argument("--out", type=Path, default=Path("outputs/baselines_long"))
    p.add_argument("--method", action="append", choices=METHODS, help="default: both")
    p.add_argument("--fold", type=int, action="append", help="LOSO folds (default: all)")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache/microexp"))
    store = VideoStore(Path("."))
    for name in ("size", "flow_size", "flow_lag", "frame_stride", "chunk"):
        p.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=getattr(store, name),
            help=f"as data.{name} (default {getattr(store, name)})",
        )
    p.add_argument(
        "--flow-params",
        type=json.loads,
        default={},
        help='as data.flow_params, JSON: {"warps": 1}',
    )
    p.add_argument("--crop", choices=("face", "none"), default="face")
    p.add_argument("--flow-backend", choices=("torch", "opencv"), default="torch")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s"
    )
    try:
        store = VideoStore(
            args.root, dataset=args.dataset, size=args.size, crop=args.crop,
            cache_dir=args.cache_dir,
            flow_backend=args.flow_backend, flow_params=args.flow_params,
            flow_size=args.flow_size, flow_lag=args.flow_lag,
            frame_stride=args.frame_stride, chunk=args.chunk, progress=not args.quiet,
        )  # fmt: skip
        summary = run_long_baselines(store, args.out, args.method or METHODS, args.fold)
    except (DataFormatError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for method, res in summary["methods"].items():
        s = res["pooled"]
        counts = {k: "/".join(str(s[f"{k}_{c}"]) for c in ("tp", "fp", "fn")) for k in KINDS}
        print(
            f"{method:<5} overall F1 {s['overall_f1']}  TP/FP/FN micro {counts['micro']} "
            f"macro {counts['macro']}  ({res['seconds']} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
