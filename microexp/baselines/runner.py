"""Run the handcrafted baselines over the network's splits and write what the network writes.

For every split (each LOSO fold, or the holdout) and every method, a run folder
``OUT/<method>/<fold_NN | holdout | holdout_clips>/`` receives ``metrics.json`` (the keys of the
network's, ``stage`` = the method, ``epochs`` and ``width`` null, metrics that do not apply null),
``predictions.csv`` and ``frames.csv`` (:mod:`microexp.eval.records`, the network's columns).
``OUT/summary.json`` holds the metrics pooled over all runs of each method.

* ``lbp``, ``hoof`` (spotting, training-free): per-frame score = the contrasted feature difference
  normalised to [0, 1] per clip (``intensity`` column); intervals by the MEGC peak rule
  (threshold ``mean + p (max - mean)``, interval ``peak +- k``). No class: ``pred_label`` is -1
  and the probability columns are NaN; accuracy, UF1 and UAR are null.
* ``lbptop_svm`` (recognition): LBP-TOP on the annotated onset-offset frames (CASME II's protocol),
  linear SVM fitted on the training subjects. Every frame row carries the clip's class
  probabilities and a NaN intensity (no spotting); AUC and interval F1 are null.

``k`` (half the feature-difference interval, in frames) is by default half the median annotated
expression length of the split's training clips (never the test clips).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from microexp.baselines import METHODS, RECOGNITION, SPOTTING  # noqa: F401 (re-exported)
from microexp.baselines.data import (
    BaselineClip,
    BaselineData,
    BaselineError,
    attach_flow,
    load_data,
    make_splits,
    split_parts,
)
from microexp.baselines.hoof import hoof_spotting_curve
from microexp.baselines.lbp import lbp_spotting_curve
from microexp.baselines.lbptop_svm import LbpTopSvm, interval_frames, lbp_top
from microexp.data.splits import Split
from microexp.eval.records import (
    ClipRecord,
    pooled_frames,
    write_frames,
    write_predictions,
)
from microexp.eval.scores import frame_auc, recognition_scores
from microexp.eval.spotting import interval_scores, spot_intervals

log = logging.getLogger(__name__)


@dataclass
class BaselineConfig:
    """Everything a baseline run depends on (written into each ``metrics.json``)."""

    root: Path
    out: Path
    methods: tuple[str, ...] = METHODS
    split: str = "loso"
    folds: list[int] | None = None  # LOSO folds; None = all
    train_fraction: float = 0.7
    split_seed: int = 0
    protocol: str = "5"
    tree: str = "auto"
    size: int = 64
    crop: str = "auto"
    cache_dir: Path = Path(".cache/microexp")
    frame_stride: int = 4  # flow step of the cache (HOOF); clips this short are skipped
    flow_backend: str = "torch"
    k: int | None = None  # None: half the median training expression length
    p: float = 0.5  # MEGC peak threshold: mean + p * (max - mean)
    top_fraction: float = 1 / 3
    lbp_grid: tuple[int, int] = (6, 6)
    lbp_points: int = 8
    lbp_radius: float = 1.0
    hoof_grid: tuple[int, int] = (6, 6)
    hoof_bins: int = 8
    hoof_normalise: bool = True
    compensate_head: bool = True
    lbptop_grid: tuple[int, int] = (5, 5)
    lbptop_points: int = 4
    lbptop_radii: tuple[float, float, float] = (1.0, 1.0, 4.0)
    svm_c: float = 1.0
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown or not self.methods:
            raise BaselineError(f"unknown method(s) {unknown}: choose from {METHODS}")
        if self.k is not None and self.k < 1:
            raise BaselineError(f"k must be >= 1 (or None for auto), got {self.k}")
        if not 0 <= self.p <= 1:
            raise BaselineError(f"p must lie in [0, 1], got {self.p}")

    def params(self, method: str) -> dict[str, Any]:
        """The settings of ``method`` (for ``metrics.json``)."""
        d = asdict(self)
        keys = {
            "lbp": ("p", "top_fraction", "lbp_grid", "lbp_points", "lbp_radius"),
            "hoof": (
                "p",
                "top_fraction",
                "hoof_grid",
                "hoof_bins",
                "hoof_normalise",
                "compensate_head",
                "flow_backend",
            ),
            "lbptop_svm": ("lbptop_grid", "lbptop_points", "lbptop_radii", "svm_c"),
        }[method]
        return {key: d[key] for key in keys} | {"size": self.size}


@dataclass
class RunResult:
    """One method on one split: its metrics and records."""

    method: str
    split: Split
    run_dir: Path
    metrics: dict[str, Any]
    records: list[ClipRecord] = field(repr=False, default_factory=list)


def _none_if_nan(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def applicable_scores(
    records: Sequence[ClipRecord], method: str, num_classes: int
) -> dict[str, float | None]:
    """The metrics a method has, from its records (null where they do not apply).

    Spotting methods (``lbp``, ``hoof``): pooled frame AUC of ``intensity`` against the
    in-interval labels and the MEGC interval F1 (with precision and recall). Recognition
    (``lbptop_svm``): accuracy, UF1, UAR over the clips. Pool the records of several folds to get
    the pooled LOSO numbers.
    """
    out: dict[str, float | None] = dict.fromkeys(
        ("auc", "accuracy", "uf1", "uar", "spot_f1", "spot_precision", "spot_recall")
    )
    out["clips"] = len(records)
    if not records:
        return out
    if method in SPOTTING:
        scores, inside = pooled_frames(records)
        out["auc"] = _none_if_nan(float(frame_auc(scores, inside)))
        spots = interval_scores((r.intervals, [r.truth]) for r in records)
        out["spot_f1"] = float(spots["f1"])
        out["spot_precision"] = float(spots["precision"])
        out["spot_recall"] = float(spots["recall"])
    else:
        labelled = [r for r in records if r.label >= 0]
        if len(labelled) < len(records):
            log.warning(
                "%d clips without a class are left out of the recognition scores",
                len(records) - len(labelled),
            )
        y_true = np.array([r.label for r in labelled], np.int64)
        y_pred = np.array([r.pred_label for r in labelled], np.int64)
        rec = recognition_scores(y_true, y_pred, num_classes)
        for key in ("accuracy", "uf1", "uar"):
            out[key] = _none_if_nan(float(rec[key]))
    return out


def auto_k(train: Sequence[BaselineClip]) -> int:
    """Half the median number of annotated expression frames of the training clips (>= 1)."""
    lengths = [int(c.inside.sum()) for c in train if c.inside.any()]
    if not lengths:
        raise BaselineError("no training clip has an annotated expression to set k from")
    return max(1, round(float(np.median(lengths)) / 2))


def _run_name(split: Split) -> str:
    return f"fold_{split.fold:02d}" if split.fold is not None else split.name


class Runner:
    """Computes each method's records on each split, caching per-clip work across splits."""

    def __init__(self, cfg: BaselineConfig, data: BaselineData) -> None:
        self.cfg = cfg
        self.data = data
        self.classes = data.classes
        self._lbptop: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ spotting
    def spotting_record(self, method: str, c: BaselineClip, k: int) -> ClipRecord:
        """Score every frame of a clip and spot its intervals."""
        cfg = self.cfg
        if method == "lbp":
            curve = lbp_spotting_curve(
                np.asarray(c.frames),
                k,
                grid=cfg.lbp_grid,
                points=cfg.lbp_points,
                radius=cfg.lbp_radius,
                top_fraction=cfg.top_fraction,
            )
        else:
            assert c.flow is not None, "HOOF needs the flow cache"
            curve = hoof_spotting_curve(
                c.flow,
                len(c.numbers),
                self.data.frame_stride,
                k,
                grid=cfg.hoof_grid,
                bins=cfg.hoof_bins,
                normalise=cfg.hoof_normalise,
                compensate=cfg.compensate_head,
                top_fraction=cfg.top_fraction,
            )
        intervals = spot_intervals(
            curve, c.numbers, method="peak", p=cfg.p, half_width=k, distance=k
        )
        n, classes = len(c.numbers), len(self.classes)
        return ClipRecord(
            subject=c.clip.subject,
            episode=c.clip.episode,
            label=c.label,
            onset=c.clip.onset,
            apex=c.clip.apex,
            offset=c.clip.offset,
            frame_numbers=c.numbers,
            intensity=curve,
            target=c.target.astype(np.float64),
            inside=c.inside,
            probs=np.full((n, classes), np.nan),
            intervals=intervals,
            pred_label=-1,
            confidence=float("nan"),
            clip_probs=np.full(classes, np.nan),
        )

    # ------------------------------------------------------------------ recognition
    def lbptop(self, c: BaselineClip) -> np.ndarray:
        """The clip's LBP-TOP descriptor over its annotated frames (computed once)."""
        feat = self._lbptop.get(c.clip.id)
        if feat is None:
            idx = interval_frames(c.numbers, c.clip.onset, c.clip.offset)
            feat = lbp_top(
                np.asarray(c.frames[idx[0] : idx[-1] + 1]),
                grid=self.cfg.lbptop_grid,
                points=self.cfg.lbptop_points,
                radii=self.cfg.lbptop_radii,
            )
            self._lbptop[c.clip.id] = feat
        return feat

    def recognition_records(
        self, train: Sequence[BaselineClip], test: Sequence[BaselineClip]
    ) -> list[ClipRecord]:
        """Fit the SVM on the labelled training clips and label the test clips."""
        train = [c for c in train if c.label >= 0]
        if not train:
            raise BaselineError("no labelled training clips for the LBP-TOP SVM")
        x = np.stack([self.lbptop(c) for c in train])
        y = np.array([c.label for c in train])
        svm = LbpTopSvm(len(self.classes), c=self.cfg.svm_c, seed=self.cfg.seed).fit(x, y)
        probs = svm.predict_proba(np.stack([self.lbptop(c) for c in test]))
        records = []
        for c, p in zip(test, probs):
            pred = int(np.argmax(p))
            n = len(c.numbers)
            records.append(
                ClipRecord(
                    subject=c.clip.subject,
                    episode=c.clip.episode,
                    label=c.label,
                    onset=c.clip.onset,
                    apex=c.clip.apex,
                    offset=c.clip.offset,
                    frame_numbers=c.numbers,
                    intensity=np.full(n, np.nan),
                    target=c.target.astype(np.float64),
                    inside=c.inside,
                    probs=np.repeat(p[None], n, axis=0),
                    intervals=[],
                    pred_label=pred,
                    confidence=float(p[pred]),
                    clip_probs=p,
                )
            )
        return records

    # ------------------------------------------------------------------ one run
    def run(self, method: str, split: Split) -> RunResult:
        """One method on one split: records, files and ``metrics.json``."""
        start = time.perf_counter()
        parts = split_parts(self.data.clips, split)
        train = parts["train"] + parts["val"]
        test = parts["test"]
        if not test:
            raise BaselineError(f"split {split.name} has no test clips")
        extra: dict[str, Any] = {}
        if method in SPOTTING:
            k = self.cfg.k if self.cfg.k is not None else auto_k(train)
            extra["k"] = k
            records = [self.spotting_record(method, c, k) for c in test]
            selected = "training-free (k from the training clips' annotations)"
        else:
            records = self.recognition_records(train, test)
            selected = "linear SVM fitted on the training subjects"
        run_dir = self.cfg.out / method / _run_name(split)
        write_predictions(records, run_dir / "predictions.csv", self.classes)
        write_frames(records, run_dir / "frames.csv", self.classes)
        scores = applicable_scores(records, method, len(self.classes))
        test_subjects = (
            list(split.test) if split.by == "subject" else sorted({c.clip.subject for c in test})
        )
        data = self.data.summary()
        metrics: dict[str, Any] = {
            "stage": method,
            "fold": split.fold,
            "split": split.name,
            "test_subjects": test_subjects,
            "selected": selected,
            **{f"test/{k}": v for k, v in scores.items() if k != "clips"},
            "data/clips": data["clips"],
            "data/subjects": data["subjects"],
            "data/skipped": data["skipped"],
            "data/train_clips": len(train),
            "data/val_clips": 0,
            "data/test_clips": len(test),
            "data/frame_stride": data["frame_stride"],
            "data/skipped_reasons": data["skipped_reasons"],
            "data/fingerprint": data["fingerprint"],
            "epochs": None,
            "width": None,
            **{f"baseline/{k}": v for k, v in (self.cfg.params(method) | extra).items()},
            "seconds": round(time.perf_counter() - start, 2),
        }
        (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
        return RunResult(method, split, run_dir, metrics, records)


def run_baselines(cfg: BaselineConfig) -> dict[str, Any]:
    """Load the data, run every method on every split, write the run folders and
    ``OUT/summary.json``; returns the summary (pooled metrics per method, run folders, times).

    Raises:
        BaselineError, CASME2FormatError: bad input (the message says what to change).
    """
    t0 = time.perf_counter()
    data = load_data(
        cfg.root,
        protocol=cfg.protocol,
        tree=cfg.tree,
        size=cfg.size,
        crop=cfg.crop,
        cache_dir=cfg.cache_dir,
        frame_stride=cfg.frame_stride,
        progress=cfg.progress,
    )
    splits = make_splits(
        data.clips, cfg.split, cfg.folds, train_fraction=cfg.train_fraction, seed=cfg.split_seed
    )
    if "hoof" in cfg.methods:  # training-free: the flow of the test clips is all it reads
        tested = {c.clip.id for s in splits for c in split_parts(data.clips, s)["test"]}
        attach_flow(data, tested, backend=cfg.flow_backend, progress=cfg.progress)
    load_seconds = time.perf_counter() - t0
    log.info(
        "data: %d clips, %d skipped, loaded in %.1f s; %d split(s)",
        len(data.clips),
        len(data.skipped),
        load_seconds,
        len(splits),
    )
    runner = Runner(cfg, data)
    summary: dict[str, Any] = {
        "root": str(cfg.root),
        "split": cfg.split,
        "folds": [s.fold for s in splits],
        "data": {k: v for k, v in data.summary().items() if k != "skipped_reasons"},
        "load_seconds": round(load_seconds, 1),
        "methods": {},
    }
    for method in cfg.methods:
        m0 = time.perf_counter()
        results = [runner.run(method, split) for split in splits]
        records = [r for res in results for r in res.records]
        pooled = applicable_scores(records, method, len(data.classes))
        summary["methods"][method] = {
            "pooled": pooled,
            "runs": [str(res.run_dir) for res in results],
            "seconds": round(time.perf_counter() - m0, 1),
        }
        log.info("%s: %s", method, {k: v for k, v in pooled.items() if v is not None})
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    cfg.out.mkdir(parents=True, exist_ok=True)
    (cfg.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
