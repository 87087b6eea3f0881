"""MEGC spotting scores over long videos, per dataset and expression type.

For each video and type (micro, macro) the predictions of that type are matched one-to-one to the
truths of that type (:func:`~microexp.eval.megc.matching.match_intervals`); TP = truths found,
FP = predictions - TP, FN = truths - TP, summed over every video of the truth file, including a
video with no truth (its predictions are all FP) and one with no prediction (its truths are all
FN). ``overall`` is computed from the micro and macro counts summed.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microexp.eval.megc.matching import Match, match_intervals
from microexp.eval.megc.records import (
    FPS,
    KINDS,
    MegcInputError,
    Predictions,
    PredInterval,
    Truth,
    TruthInterval,
    VideoKey,
    prediction_kind,
)

LOG_COLUMNS = (
    "dataset", "video", "type", "onset", "offset", "start", "end", "score", "iou", "result",
)  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """Summed counts: truths found, predictions, truths."""

    tp: int = 0
    n_pred: int = 0
    n_truth: int = 0

    @property
    def fp(self) -> int:
        return self.n_pred - self.tp

    @property
    def fn(self) -> int:
        return self.n_truth - self.tp

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.n_pred + other.n_pred, self.n_truth + other.n_truth)

    def to_json(self) -> dict[str, Any]:
        """Counts and rates; a rate whose denominator is 0 is None with ``<rate>_reason`` beside.

        ``precision = TP / predictions``, ``recall = TP / truths`` and
        ``f1 = 2TP / (predictions + truths)`` (= 2PR / (P + R) where both exist; 0.0 when there
        are truths and no prediction, or predictions and no truth).
        """
        out: dict[str, Any] = {
            "tp": self.tp, "fp": self.fp, "fn": self.fn,
            "n_pred": self.n_pred, "n_truth": self.n_truth,
        }  # fmt: skip
        both = self.n_pred + self.n_truth
        rates = (
            ("precision", self.tp, self.n_pred, "no predictions"),
            ("recall", self.tp, self.n_truth, "no truth intervals"),
            ("f1", 2 * self.tp, both, "no truth intervals and no predictions"),
        )
        reasons = {}
        for name, numerator, denominator, reason in rates:
            out[name] = numerator / denominator if denominator else None
            if not denominator:
                reasons[f"{name}_reason"] = reason
        return out | reasons


@dataclass(frozen=True)
class VideoMatch:
    """One video's matching for one type, kept for the log."""

    dataset: str
    video: str
    kind: str
    truth: tuple[TruthInterval, ...]
    predicted: tuple[PredInterval, ...]
    match: Match


@dataclass
class SpotScores:
    """Counts per dataset and type, every video's matching, and notes per dataset."""

    counts: dict[str, dict[str, Counts]]
    matches: list[VideoMatch]
    notes: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{dataset: {"micro": {...}, "macro": {...}, "overall": {...}[, "notes": [...]]}}``."""
        out: dict[str, Any] = {}
        for dataset, per_kind in self.counts.items():
            entry = {kind: per_kind[kind].to_json() for kind in KINDS}
            entry["overall"] = sum(per_kind.values(), Counts()).to_json()
            if self.notes.get(dataset):
                entry["notes"] = list(self.notes[dataset])
            out[dataset] = entry
        return out


def score_spotting(
    truth: Truth,
    predictions: Predictions,
    fps: Mapping[str, float] = FPS,
    count_unlisted: bool = False,
    iou_threshold: float = 0.5,
) -> SpotScores:
    """Score predictions against the truth file's videos.

    Args:
        truth: every video to score, with its expressions (``formats.read_truth``).
        predictions: predicted intervals per video (``formats.read_predictions``).
        fps: frames per second per dataset, to type a prediction without ``type`` (≤ 0.5 s =
            micro).
        count_unlisted: a prediction for a video the truth does not list is an error naming its
            line (the usual cause is a misspelt id); True counts such videos as videos without
            any expression (every prediction FP) and notes it in the dataset's ``notes``.
        iou_threshold: minimum IoU of a match.
    """
    videos = dict(truth)
    notes: dict[str, list[str]] = {}
    unlisted = [key for key in predictions if key not in truth]
    if unlisted and not count_unlisted:
        raise _unlisted_error(truth, predictions, unlisted)
    for key in unlisted:
        videos[key] = []
    for dataset in dict.fromkeys(d for d, _ in unlisted):
        keys = [k for k in unlisted if k[0] == dataset]
        n = sum(len(predictions[k]) for k in keys)
        notes[dataset] = [
            f"{n} predictions in {len(keys)} videos not in the truth file "
            f"({', '.join(v for _, v in keys)}) counted as false positives"
        ]
    counts: dict[str, dict[str, Counts]] = {}
    matches: list[VideoMatch] = []
    for (dataset, video), expressions in videos.items():
        per_kind = counts.setdefault(dataset, dict.fromkeys(KINDS, Counts()))
        preds = predictions.get((dataset, video), [])
        kinds = [prediction_kind(p, dataset, fps) for p in preds]
        for kind in KINDS:
            t = tuple(e for e in expressions if e.kind == kind)
            p = tuple(x for x, k in zip(preds, kinds) if k == kind)
            match = match_intervals(
                [(x.start, x.end) for x in p], [(e.onset, e.offset) for e in t], iou_threshold
            )
            per_kind[kind] += Counts(match.tp, match.n_pred, match.n_truth)
            matches.append(VideoMatch(dataset, video, kind, t, p, match))
    return SpotScores(counts, matches, notes)


def _unlisted_error(
    truth: Truth, predictions: Predictions, unlisted: list[VideoKey]
) -> MegcInputError:
    dataset, video = unlisted[0]
    line = predictions[unlisted[0]][0].line
    where = f"line {line}: " if line is not None else ""
    datasets = list(dict.fromkeys(d for d, _ in truth))
    if dataset not in datasets:
        known = ", ".join(datasets)
        what = f"dataset {dataset!r} is not in the truth file (its datasets: {known})"
    else:
        what = f"video {video!r} of {dataset} is not in the truth file"
    more = len(unlisted) - 1
    if more:
        what += f" ({more} more unlisted video{'s' if more > 1 else ''})"
    return MegcInputError(
        f"{where}{what}; list the video in the truth file (a row with only dataset and video "
        "when it has no expression) or pass --count-unlisted to count its predictions as false "
        "positives"
    )


def write_log(path: str | Path, matches: list[VideoMatch]) -> None:
    """One row per matched pair (TP), unmatched truth (FN) and unmatched prediction (FP), per
    video and type, ordered by onset / start."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LOG_COLUMNS)
        for m in matches:
            head = [m.dataset, m.video, m.kind]
            rows = []
            paired_t = {j: (i, iou) for i, j, iou in m.match.pairs}
            paired_p = {i for i, _, _ in m.match.pairs}
            for j, t in enumerate(m.truth):
                if j in paired_t:
                    i, iou = paired_t[j]
                    p = m.predicted[i]
                    rows.append([t.onset, t.offset, p.start, p.end, p.score, f"{iou:.4f}", "TP"])
                else:
                    rows.append([t.onset, t.offset, "", "", "", "", "FN"])
            for i, p in enumerate(m.predicted):
                if i not in paired_p:
                    rows.append(["", "", p.start, p.end, p.score, "", "FP"])
            rows.sort(key=lambda r: (r[0] if r[0] != "" else r[2], r[2] if r[2] != "" else r[0]))
            writer.writerows(head + r for r in rows)
