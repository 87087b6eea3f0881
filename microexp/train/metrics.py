"""``metrics.json``: one flat record per run (scores, data counts, how it was trained)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

#: Scores every run's record holds (null where the stage does not compute them).
SCORES = ("test/auc", "test/accuracy", "test/uf1", "test/uar", "test/spot_f1")
#: Counts copied from the data summary, as ``data/<name>``.
DATA_COUNTS = (
    "clips",
    "subjects",
    "skipped",
    "train_clips",
    "val_clips",
    "test_clips",
    "frame_stride",
)


def number(value: Any) -> Any:
    """A logged value as a JSON number (tensors unwrapped; NaN and infinities as None)."""
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def logged(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The logged values whose names start with ``prefix``, as JSON numbers."""
    return {k: number(v) for k, v in values.items() if k.startswith(prefix)}


def run_metrics(
    *,
    stage: str,
    fold: int,
    split: str,
    data: Mapping[str, Any],
    tuning_subjects: Sequence[str] = (),
    selected: str,
    val: Mapping[str, Any],
    test: Mapping[str, Any],
    exact: Mapping[str, Any] | None,
    epochs: int,
    resumed_from: str | None,
    width: float,
    pretrained: Mapping[str, Any],
    seconds: float,
) -> dict[str, Any]:
    """The record of one run.

    Args:
        data: the DataModule's summary (counts, skipped reasons, fingerprint, split).
        tuning_subjects: the subjects the hyper-parameters were tuned on (``tuning.subjects``).
        selected: which weights were tested (``last``, or the best on validation subjects).
        val, test: the last validation scores and the test scores, as logged.
        exact: scores recomputed in float64 from the per-clip records (they replace the
            logged float32 ones, so ``metrics.json`` agrees with ``predictions.csv``).
        pretrained: the stage hand-off's record (joint stage), as ``pretrained/<key>``.
    """
    metrics: dict[str, Any] = {
        "stage": stage,
        "fold": fold,
        "split": split,
        "test_subjects": data.get("split", {}).get("test", []),
        "tuning_subjects": list(tuning_subjects),
        "selected": selected,
    }
    metrics.update(val)
    metrics.update(test)
    if exact:
        metrics.update({f"test/{k}": v for k, v in exact.items() if k != "clips"})
    for name in SCORES:
        metrics.setdefault(name, None)
    metrics.update({f"data/{k}": data[k] for k in DATA_COUNTS})
    metrics["data/skipped_reasons"] = data["skipped_reasons"]
    metrics["data/fingerprint"] = data["fingerprint"]
    metrics["epochs"] = epochs
    metrics["resumed_from"] = resumed_from
    metrics["width"] = width
    metrics.update({f"pretrained/{k}": v for k, v in pretrained.items()})
    metrics["seconds"] = seconds
    return metrics


def write_metrics(path: Path, metrics: Mapping[str, Any]) -> Path:
    """``metrics.json`` (values JSON cannot hold written as strings)."""
    path.write_text(json.dumps(metrics, indent=2, default=str))
    return path
