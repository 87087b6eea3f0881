"""Per-clip prediction records, and the CSV files a run writes (and the report reads back).

``predictions.csv`` holds one row per clip (subject, episode, true and predicted label, true and
predicted interval, confidence, class probabilities). ``frames.csv`` holds one row per predicted
frame (intensity, truth, state, class probabilities), so that pooled frame-level ROC curves can
be recomputed across the folds of a sweep without re-running anything.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from microexp.eval.spotting import Interval, clip_prediction, intensity_states, spot_intervals
from microexp.states import STATES

PREDICTION_FIELDS = (
    "subject",
    "episode",
    "true_label",
    "true_class",
    "pred_label",
    "pred_class",
    "confidence",
    "true_onset",
    "true_apex",
    "true_offset",
    "pred_onset",
    "pred_apex",
    "pred_offset",
    "pred_intervals",
    "frames",
)


@dataclass
class ClipRecord:
    """Everything predicted for one clip (frame-level arrays over the predicted frames)."""

    subject: str
    episode: str
    label: int
    onset: int
    apex: int
    offset: int
    frame_numbers: np.ndarray  # (T,) absolute numbers of the predicted frames
    intensity: np.ndarray  # (T,) predicted intensity
    target: np.ndarray  # (T,) target intensity
    inside: np.ndarray  # (T,) bool: frame inside [onset, offset]
    probs: np.ndarray  # (T, C) class probabilities
    intervals: list[Interval] = field(default_factory=list)
    pred_label: int = -1
    confidence: float = float("nan")
    clip_probs: np.ndarray | None = None

    @property
    def truth(self) -> Interval:
        return Interval(self.onset, self.offset, peak=self.apex)

    @property
    def main_interval(self) -> Interval | None:
        """The highest-scoring spotted interval (the one the clip label comes from)."""
        return max(self.intervals, key=lambda iv: iv.score) if self.intervals else None

    def states(self) -> np.ndarray:
        """The predicted state of every frame (:mod:`microexp.states` ids)."""
        return intensity_states(self.intensity, self.intervals, self.frame_numbers)


def make_record(
    *,
    subject: str,
    episode: str,
    label: int,
    onset: int,
    apex: int,
    offset: int,
    frame_numbers: np.ndarray,
    intensity: np.ndarray,
    target: np.ndarray,
    probs: np.ndarray,
    spot: dict | None = None,
) -> ClipRecord:
    """Spot intervals in the predicted intensity and label the clip."""
    frames = np.asarray(frame_numbers, np.int64)
    y = np.asarray(intensity, np.float64)
    intervals = spot_intervals(y, frames, **(spot or {}))
    pred = clip_prediction(np.asarray(probs, np.float64), intervals, frames)
    return ClipRecord(
        subject=subject,
        episode=episode,
        label=int(label),
        onset=int(onset),
        apex=int(apex),
        offset=int(offset),
        frame_numbers=frames,
        intensity=y,
        target=np.asarray(target, np.float64),
        inside=(frames >= onset) & (frames <= offset),
        probs=np.asarray(probs, np.float64),
        intervals=intervals,
        pred_label=pred.label,
        confidence=pred.confidence,
        clip_probs=pred.probs,
    )


def write_predictions(records: Sequence[ClipRecord], path: Path, classes: Sequence[str]) -> Path:
    """One row per clip: ``predictions.csv``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(PREDICTION_FIELDS) + [f"p_{c}" for c in classes])
        for r in records:
            main = r.main_interval
            probs = r.clip_probs if r.clip_probs is not None else np.full(len(classes), np.nan)
            writer.writerow(
                [
                    r.subject,
                    r.episode,
                    r.label,
                    classes[r.label] if 0 <= r.label < len(classes) else "",
                    r.pred_label,
                    classes[r.pred_label] if 0 <= r.pred_label < len(classes) else "",
                    f"{r.confidence:.6f}",
                    r.onset,
                    r.apex,
                    r.offset,
                    main.start if main else "",
                    main.peak if main and main.peak is not None else "",
                    main.end if main else "",
                    json.dumps([[iv.start, iv.end, round(iv.score, 6)] for iv in r.intervals]),
                    len(r.frame_numbers),
                ]
                + [f"{p:.6f}" for p in probs]
            )
    return path


def write_frames(records: Sequence[ClipRecord], path: Path, classes: Sequence[str]) -> Path:
    """One row per predicted frame: ``frames.csv``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["subject", "episode", "frame", "intensity", "target", "inside", "state"]
            + [f"p_{c}" for c in classes]
        )
        for r in records:
            states = r.states()
            for i, frame in enumerate(r.frame_numbers):
                writer.writerow(
                    [
                        r.subject,
                        r.episode,
                        int(frame),
                        f"{r.intensity[i]:.6f}",
                        f"{r.target[i]:.6f}",
                        int(r.inside[i]),
                        STATES[states[i]],
                    ]
                    + [f"{p:.6f}" for p in r.probs[i]]
                )
    return path


def read_predictions(path: Path) -> list[dict]:
    """Rows of a ``predictions.csv`` as dicts (labels as ints, intervals parsed)."""
    rows = []
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            out: dict = dict(row)
            for key in (
                "true_label",
                "pred_label",
                "true_onset",
                "true_apex",
                "true_offset",
                "frames",
            ):
                out[key] = int(row[key])
            for key in ("pred_onset", "pred_apex", "pred_offset"):
                out[key] = int(row[key]) if row[key] not in ("", None) else None
            out["confidence"] = float(row["confidence"])
            out["pred_intervals"] = [
                Interval(int(a), int(b), score=float(s))
                for a, b, s in json.loads(row["pred_intervals"] or "[]")
            ]
            rows.append(out)
    return rows


def read_frames(path: Path) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """A ``frames.csv`` grouped by clip: {(subject, episode): {column: array}}."""
    import pandas as pd

    table = pd.read_csv(path, dtype={"subject": str, "episode": str})
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for (subject, episode), group in table.groupby(["subject", "episode"], sort=False):
        out[(str(subject), str(episode))] = {c: group[c].to_numpy() for c in group.columns}
    return out


def records_from_files(
    predictions: Path, frames: Path, classes: Sequence[str]
) -> list[ClipRecord]:
    """Rebuild :class:`ClipRecord` objects from a run's two CSV files."""
    per_frame = read_frames(frames)
    records = []
    for row in read_predictions(predictions):
        f = per_frame.get((row["subject"], row["episode"]))
        if f is None:
            raise ValueError(f"{frames} has no frames for {row['subject']}/{row['episode']}")
        probs = np.stack([f[f"p_{c}"] for c in classes], axis=1)
        clip_probs = np.array([float(row[f"p_{c}"]) for c in classes])
        records.append(
            ClipRecord(
                subject=row["subject"],
                episode=row["episode"],
                label=row["true_label"],
                onset=row["true_onset"],
                apex=row["true_apex"],
                offset=row["true_offset"],
                frame_numbers=f["frame"].astype(np.int64),
                intensity=f["intensity"].astype(np.float64),
                target=f["target"].astype(np.float64),
                inside=f["inside"].astype(bool),
                probs=probs,
                intervals=row["pred_intervals"],
                pred_label=row["pred_label"],
                confidence=row["confidence"],
                clip_probs=clip_probs,
            )
        )
    return records


def pooled_frames(records: Iterable[ClipRecord]) -> tuple[np.ndarray, np.ndarray]:
    """Predicted intensity and in-interval labels of every frame of every clip, pooled."""
    records = list(records)
    if not records:
        return np.zeros(0), np.zeros(0, bool)
    return (
        np.concatenate([r.intensity for r in records]),
        np.concatenate([r.inside for r in records]),
    )
