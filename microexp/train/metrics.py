"""``metrics.json``: one flat record per run (scores, data counts, how it was trained)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from microexp.eval.record_scores import SCORE_KEYS

#: Scores every run's record holds, in this order (null where the stage does not compute them;
#: a spotting score's ``*_why`` says why it is null).
SCORES: tuple[str, ...] = tuple(f"test/{k}" for k in SCORE_KEYS if k != "clips")
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

    The test scores come in the order of :data:`SCORES` (None where missing), then the other
    logged test values (a loss, a backbone stage's own scores).
    """
    metrics: dict[str, Any] = {
        "stage": stage,
        "fold": fold,
        "split": split,
        "dataset": data.get("dataset"),
        "classes": list(data.get("classes", [])),
        "test_subjects": data.get("split", {}).get("test", []),
        "tuning_subjects": list(tuning_subjects),
        "selected": selected,
    }
    metrics.update(val)
    tests = dict(test)
    if exact:
        tests.update({f"test/{k}": v for k, v in exact.items() if k != "clips"})
    metrics.update({name: tests.pop(name, None) for name in SCORES})
    metrics.update(tests)
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
    """``metrics.json`` (values JSON cannot hold written as strings; NaN and infinities, which
    JSON has no word for, as null)."""
    path.write_text(json.dumps(_finite(metrics), indent=2, default=str, allow_nan=False))
    return path


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (at any depth) replaced by None."""
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value
