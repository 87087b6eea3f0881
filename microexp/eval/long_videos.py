"""Spotting in long videos, scored the MEGC way: intervals from a per-frame curve, typed micro or
macro by length, written as the scorer's ``spots.csv`` / ``truth.csv`` and scored by
:mod:`microexp.eval.megc` (the single source of the numbers).

Intervals (:class:`VideoSpotting`, every length in seconds, turned into chain steps with the
video's frame rate and the frame stride) come from :func:`~microexp.eval.spotting.spot_intervals`:

* ``method=threshold``: every run of the smoothed curve at or above
  ``threshold`` is an interval, onset..offset at the crossings; a trained network's intensity
  is calibrated (0 = neutral, 1 = apex), so an absolute level applies to every video, and a
  video without expressions may get no interval at all.
* ``method=peak`` (the default; the MEGC 2019/2020 baseline's rule): the level is
  ``mean + p * (max - mean)`` of the video's smoothed curve; every peak at or above it (peaks
  closer than ``distance_s`` to a higher one dropped) gives the interval ``peak +-
  half_width_s``, or, with ``half_width_s`` null, the run above the level around it, or, with
  ``width_level``, the run above ``mean + width_level * (peak - mean)`` around it (each
  interval as wide as its own peak).

An interval of at most ``micro_max_s`` (0.5 s) is micro, a longer one macro.

``python -m microexp.eval.long_videos RUN_DIR... [--out J]`` pools the folds of a LOSO sweep
(each run folder's ``truth.csv`` and ``spots.csv``) into one MEGC table.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from microexp.data.records import Video
from microexp.eval.megc.cli import spot_table
from microexp.eval.megc.formats import read_predictions, read_truth, write_predictions, write_truth
from microexp.eval.megc.records import FPS, KINDS, Predictions, PredInterval, Truth, TruthInterval
from microexp.eval.megc.spotting import score_spotting
from microexp.eval.spotting import spot_intervals

#: The scorer's dataset names, by reader.
MEGC_NAMES = {"casme_sq": "CASME_sq", "samm_lv": "SAMM"}
#: The rates and counts ``metrics.json`` holds per type, as ``test/megc/<type>_<key>``.
METRIC_KEYS = ("f1", "precision", "recall", "tp", "fp", "fn")


@dataclass(frozen=True)
class VideoSpotting:
    """How intervals are read off a per-frame curve (lengths in seconds; see the module
    docstring)."""

    method: str = "peak"
    threshold: float = 0.3
    p: float = 0.5
    half_width_s: float | None = None
    width_level: float | None = None
    distance_s: float = 0.5
    smooth_s: float = 0.1
    min_length_s: float = 0.1
    micro_max_s: float = 0.5

    def __post_init__(self) -> None:
        if self.method not in ("threshold", "peak"):
            raise ValueError(f"spotting method must be threshold or peak, not {self.method!r}")

    def intervals(
        self, curve: np.ndarray, numbers: np.ndarray, fps: float, stride: int
    ) -> list[PredInterval]:
        """The typed intervals of one video's curve (one value per chain frame ``numbers``)."""

        def steps(seconds: float) -> int:
            return max(1, round(seconds * fps / stride))

        half = None if self.half_width_s is None else steps(self.half_width_s)
        found = spot_intervals(
            np.asarray(curve, np.float64),
            numbers,
            smooth=steps(self.smooth_s),
            threshold=self.threshold,
            min_length=steps(self.min_length_s),
            method=self.method,  # type: ignore[arg-type]
            p=self.p,
            half_width=half,
            distance=steps(self.distance_s),
            width_level=self.width_level,
        )
        micro = self.micro_max_s * fps
        return [
            PredInterval(i.start, i.end, i.score, "micro" if i.length <= micro else "macro")
            for i in found
        ]


def megc_name(dataset: str) -> str:
    """The scorer's name of a reader's dataset (``casme_sq`` -> ``CASME_sq``)."""
    return MEGC_NAMES.get(dataset, dataset)


def truth_of(videos: Iterable[Video]) -> Truth:
    """Every video (one without expressions too) with its annotated intervals."""
    return {
        (megc_name(v.dataset), v.video): [
            TruthInterval(e.kind, e.onset, e.apex, e.offset) for e in v.expressions
        ]
        for v in videos
    }


def write_curves(
    out: Path, curves: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]
) -> Path:
    """``curves.csv``: ``dataset,video,frame,intensity`` for every chain frame of every video
    (``curves[(dataset, video)] = (frame numbers, intensity)``), for plots and other rules."""
    path = out / "curves.csv"
    out.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("dataset", "video", "frame", "intensity"))
        for (dataset, video), (numbers, curve) in curves.items():
            w.writerows(
                (dataset, video, int(n), f"{float(c):.6g}") for n, c in zip(numbers, curve)
            )
    return path


def write_fold(
    out: Path, truth: Truth, predictions: Predictions, fps: Mapping[str, float]
) -> dict[str, Any]:
    """Write ``truth.csv``, ``spots.csv`` and ``megc.json`` (the scorer's JSON) into ``out`` and
    return the flat ``test/megc/...`` metrics."""
    out.mkdir(parents=True, exist_ok=True)
    write_truth(out / "truth.csv", truth)
    write_predictions(out / "spots.csv", predictions)
    scores = score_csv(out / "truth.csv", out / "spots.csv", fps)
    (out / "megc.json").write_text(json.dumps(scores, indent=2) + "\n")
    return flat_metrics(scores)


def score_csv(truth: Path, spots: Path, fps: Mapping[str, float]) -> dict[str, Any]:
    """The scorer's JSON for the files as written (read back, as the CLI reads them)."""
    return score_spotting(read_truth(truth), read_predictions(spots), dict(fps)).to_json()


def pool_folds(folders: Sequence[Path], fps: Mapping[str, float]) -> dict[str, Any]:
    """The scorer's JSON over every fold's ``truth.csv`` and ``spots.csv`` together (counts
    summed over all videos of all folds)."""
    truth: Truth = {}
    predictions: Predictions = {}
    for folder in folders:
        truth.update(read_truth(folder / "truth.csv"))
        for key, preds in read_predictions(folder / "spots.csv").items():
            predictions.setdefault(key, []).extend(preds)
    return score_spotting(truth, predictions, dict(fps)).to_json()


def flat_metrics(scores: Mapping[str, Any], prefix: str = "test/megc/") -> dict[str, Any]:
    """``{prefix}{micro,macro,overall}_{f1,precision,recall,tp,fp,fn}`` of the scorer's JSON
    for one dataset; a rate the scorer leaves undefined is None with ``..._why`` beside it."""
    if len(scores) != 1:
        raise ValueError(f"expected the scores of one dataset, got {list(scores)}")
    (entry,) = scores.values()
    out: dict[str, Any] = {}
    for kind in (*KINDS, "overall"):
        for key in METRIC_KEYS:
            out[f"{prefix}{kind}_{key}"] = entry[kind][key]
            if entry[kind][key] is None:
                out[f"{prefix}{kind}_{key}_why"] = entry[kind].get(f"{key}_reason")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Pool run folders into one table (and ``--out`` JSON); ``error: ...`` on bad input."""
    parser = argparse.ArgumentParser(prog="python -m microexp.eval.long_videos")
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (truth.csv, spots.csv)")
    parser.add_argument("--out", type=Path, help="write the pooled scores as JSON here")
    args = parser.parse_args(argv)
    try:
        scores = pool_folds(args.runs, FPS)
    except ValueError as exc:  # MegcInputError names the file and line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(spot_table(scores))
    if args.out is not None:
        args.out.write_text(json.dumps(scores, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
