"""Run the handcrafted baselines over the network's splits and write what the network writes.

For every split (each LOSO fold, or the holdout) and every method, a run folder
``OUT/<method>/<fold_NN | holdout | holdout_clips>/`` receives ``metrics.json`` (the network's
keys, ``stage`` = the method, metrics that do not apply null), ``predictions.csv`` and
``frames.csv``; ``OUT/summary.json`` pools each method's runs. ``k`` (half the feature-difference
interval) defaults to half the median expression length of the split's training clips.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from microexp.baselines import SPOTTING
from microexp.baselines.config import BaselineConfig, BaselineError
from microexp.baselines.methods import MethodRecords
from microexp.baselines.scores import applicable_scores
from microexp.data.splits import Split, make_splits
from microexp.data.store import PreparedClip, PreparedData
from microexp.eval.apex import flow_magnitude, peak_frame
from microexp.eval.records import ClipRecord, with_apexes, write_frames, write_predictions

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """One method on one split: its metrics and records."""

    method: str
    split: Split
    run_dir: Path
    metrics: dict[str, Any]
    records: list[ClipRecord] = field(repr=False, default_factory=list)


def auto_k(train: Sequence[PreparedClip]) -> int:
    """Half the median number of annotated expression frames of the training clips (>= 1)."""
    lengths = [int(c.inside.sum()) for c in train if c.inside.any()]
    if not lengths:
        raise BaselineError("no training clip has an annotated expression to set k from")
    return max(1, round(float(np.median(lengths)) / 2))


def flow_apex(c: PreparedClip) -> int | None:
    """The flow reference's apex: the peak of the mean magnitude of the clip's chain flow, head
    motion removed as for HOOF when the store fitted it (None without flow: the store attaches it
    only with ``hoof`` among the methods). Flow entry ``j`` belongs to chain frame ``j``."""
    if c.flow is None or len(c.flow) == 0:
        return None
    flow = c.motion(np.arange(len(c.flow)))
    return peak_frame(flow_magnitude(flow), c.numbers[c.chain[: len(flow)]])


def _run_name(split: Split) -> str:
    return f"fold_{split.fold:02d}" if split.fold is not None else split.name


def _data_summary(cfg: BaselineConfig, data: PreparedData) -> dict[str, Any]:
    """The ``data/*`` fields of ``metrics.json``, as the network reports them."""
    d = data.summary()
    keys = ("clips", "subjects", "skipped", "skipped_reasons", "fingerprint")
    return {k: d[k] for k in keys} | {"frame_stride": cfg.frame_stride}


class Runner:
    """Runs each method on each split: records, run folders and ``metrics.json``."""

    def __init__(self, cfg: BaselineConfig, data: PreparedData) -> None:
        self.cfg = cfg
        self.data = data
        self.classes = data.dataset.classes
        self.methods = MethodRecords(cfg, self.classes)

    def run(self, method: str, split: Split) -> RunResult:
        """One method on one split: records, files and ``metrics.json``."""
        start = time.perf_counter()
        parts = self.data.parts(split)
        train = parts["train"] + parts["val"]
        test = parts["test"]
        if not test:
            raise BaselineError(f"split {split.name} has no test clips")
        extra: dict[str, Any] = {}
        if method in SPOTTING:
            k = self.cfg.k if self.cfg.k is not None else auto_k(train)
            extra["k"] = k
            records = [self.methods.spotting_record(method, c, k) for c in test]
            selected = "training-free (k from the training clips' annotations)"
        else:
            records = self.methods.recognition_records(train, test)
            selected = "linear SVM fitted on the training subjects"
        records = [with_apexes(r, flow_apex=flow_apex(c)) for r, c in zip(records, test)]
        run_dir = self.cfg.out / method / _run_name(split)
        write_predictions(records, run_dir / "predictions.csv", self.classes)
        write_frames(records, run_dir / "frames.csv", self.classes)
        scores = applicable_scores(records, method, len(self.classes))
        test_subjects = (
            list(split.test) if split.by == "subject" else sorted({c.clip.subject for c in test})
        )
        data = _data_summary(self.cfg, self.data)
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
        BaselineError, DataFormatError, FileNotFoundError: bad input (the message says what to
        change).
    """
    t0 = time.perf_counter()
    store = cfg.store()
    data = store.prepare(flow=False)
    try:
        splits = make_splits(
            cfg.split,
            [c.clip for c in data.clips],
            cfg.folds,
            train_fraction=cfg.train_fraction,
            seed=cfg.split_seed,
        )
    except ValueError as exc:  # a fold that does not exist, too few subjects
        raise BaselineError(str(exc)) from exc
    if "hoof" in cfg.methods:  # training-free: the flow of the test clips is all it reads
        tested = {c.clip.id for s in splits for c in data.parts(s)["test"]}
        store.attach_flow(data, tested)
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
        "data": {k: v for k, v in _data_summary(cfg, data).items() if k != "skipped_reasons"},
        "load_seconds": round(load_seconds, 1),
        "methods": {},
    }
    for method in cfg.methods:
        m0 = time.perf_counter()
        results = [runner.run(method, split) for split in splits]
        records = [r for res in results for r in res.records]
        pooled = applicable_scores(records, method, len(runner.classes))
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
