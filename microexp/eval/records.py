"""Per-clip prediction records, and the CSV files a run writes (and the report reads back).

``predictions.csv`` holds one row per clip (subject, episode, true and predicted label, true
interval, predicted apex and interval, confidence, the reference apexes, the clip's release,
class probabilities). ``recog.csv`` holds the recognised clips as the MEGC recognition scorer
reads them (``subject,true,pred,dataset``, class names).
``frames.csv`` holds one row per predicted frame (intensity, truth, state, class probabilities),
so that every score can be recomputed across the folds of a sweep without re-running anything.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from microexp.eval.apex import centre_frame, predicted_apex
from microexp.eval.spotting import Interval, clip_prediction, intensity_states, spot_intervals
from microexp.states import STATES

#: The columns every ``predictions.csv`` holds (files older than apex spotting have only these).
REQUIRED_FIELDS = (
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
#: Every column of ``predictions.csv`` before the class probabilities ``p_<class>``.
PREDICTION_FIELDS = (
    *REQUIRED_FIELDS,
    "first_frame",
    "ref_centre_apex",
    "ref_flow_apex",
    "dataset",
)
#: Columns that may be empty (None), in files of every age.
_OPTIONAL_INTS = ("pred_onset", "pred_apex", "pred_offset", *PREDICTION_FIELDS[-4:-1])
#: The columns of ``recog.csv`` (``python -m microexp.eval.megc recog``'s input).
RECOGNITION_FIELDS = ("subject", "true", "pred", "dataset", "episode")


@dataclass
class ClipRecord:
    """Everything predicted for one clip (frame-level arrays over the predicted frames).

    ``pred_apex`` is the peak of the smoothed predicted intensity; ``ref_centre_apex`` and
    ``ref_flow_apex`` are the references' apexes (None where unknown). ``first_frame`` is the
    clip's first frame (None: the first predicted frame); a prediction closes a step from the
    frame before it, so the first frame of a clip may have none.
    """

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
    first_frame: int | None = None
    pred_apex: int | None = None
    ref_centre_apex: int | None = None
    ref_flow_apex: int | None = None
    dataset: str = ""  # the clip's release (``Clip.dataset``; empty when unknown)

    @property
    def start(self) -> int:
        """The clip's first frame number."""
        return int(self.frame_numbers[0]) if self.first_frame is None else self.first_frame

    @property
    def length(self) -> int:
        """The clip's length in frames, from its first frame to its last predicted frame."""
        return int(self.frame_numbers[-1]) - self.start + 1

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
    first_frame: int | None = None,
    flow_apex: int | None = None,
    dataset: str = "",
) -> ClipRecord:
    """Spot intervals and the apex in the predicted intensity and label the clip.

    ``first_frame``: the clip's first frame (default: the first of ``frame_numbers``);
    ``flow_apex``: the flow reference's apex (:func:`microexp.eval.apex.peak_frame` of the mean
    flow magnitude), if known; ``dataset``: the clip's release.
    """
    frames = np.asarray(frame_numbers, np.int64)
    y = np.asarray(intensity, np.float64)
    spot = spot or {}
    intervals = spot_intervals(y, frames, **spot)
    pred = clip_prediction(np.asarray(probs, np.float64), intervals, frames)
    record = ClipRecord(
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
        first_frame=None if first_frame is None else int(first_frame),
        dataset=dataset,
    )
    return with_apexes(record, smooth=spot.get("smooth", 1), flow_apex=flow_apex)


def with_apexes(
    record: ClipRecord, *, smooth: int = 1, flow_apex: int | None = None
) -> ClipRecord:
    """``record`` with its predicted apex (intensity smoothed over ``smooth`` frames, as the
    spotting smooths it), its centre-frame apex and the flow reference's apex set."""
    return replace(
        record,
        pred_apex=predicted_apex(record.intensity, record.frame_numbers, smooth),
        ref_centre_apex=centre_frame(record.frame_numbers),
        ref_flow_apex=flow_apex,
    )


def _cell(value: int | None) -> int | str:
    return "" if value is None else value


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
                    _cell(r.pred_apex),
                    main.end if main else "",
                    json.dumps([[iv.start, iv.end, round(iv.score, 6)] for iv in r.intervals]),
                    len(r.frame_numbers),
                    r.start,
                    _cell(r.ref_centre_apex),
                    _cell(r.ref_flow_apex),
                    r.dataset,
                ]
                + [f"{p:.6f}" for p in probs]
            )
    return path


def write_recognition(records: Sequence[ClipRecord], path: Path, classes: Sequence[str]) -> Path:
    """``recog.csv``: one row per clip with a true and a predicted class (those the recognition
    scores count), as ``python -m microexp.eval.megc recog`` reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RECOGNITION_FIELDS)
        for r in records:
            if 0 <= r.label < len(classes) and 0 <= r.pred_label < len(classes):
                row = [r.subject, classes[r.label], classes[r.pred_label], r.dataset, r.episode]
                writer.writerow(row)
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
    """Rows of a ``predictions.csv`` as dicts (labels as ints, intervals parsed).

    Columns that older files lack (the reference apexes, the first frame) are None, and so is
    their ``pred_apex``: it held the spotted interval's peak, not the apex of the whole clip.
    """
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
            for key in _OPTIONAL_INTS:
                out[key] = int(row[key]) if row.get(key) not in ("", None) else None
            if "ref_centre_apex" not in row:
                out["pred_apex"] = None
            out["dataset"] = row.get("dataset") or ""
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
                first_frame=row["first_frame"],
                pred_apex=row["pred_apex"],
                ref_centre_apex=row["ref_centre_apex"],
                ref_flow_apex=row["ref_flow_apex"],
                dataset=row["dataset"],
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
