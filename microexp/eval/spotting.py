"""Spotting: intervals from an intensity curve, MEGC interval matching, states, clip labels.

Frame numbers are absolute (CASME II's ``img46`` … ``img100``): every interval holds absolute,
inclusive frame numbers, and every per-frame array comes with its ``frame_numbers``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from microexp.eval.megc.matching import match_intervals as megc_match
from microexp.states import classify_states

logger = logging.getLogger(__name__)

#: :func:`spot_intervals` settings used when a run or checkpoint names none.
DEFAULT_SPOT: dict = {"method": "threshold", "threshold": 0.5, "smooth": 3, "min_length": 2}


@dataclass(frozen=True)
class Interval:
    """A spotted (or ground-truth) expression interval.

    Attributes:
        start: first frame, absolute frame number, inclusive.
        end: last frame, absolute frame number, inclusive (``end >= start``).
        score: detection score (the peak of the smoothed intensity for spotted intervals; 1.0
            for ground truth).
        peak: frame number of the intensity peak, if known (the apex for ground truth).
        label: class label, if any.
        confidence: class confidence, if any.
    """

    start: int
    end: int
    score: float = 1.0
    peak: int | None = None
    label: int | None = None
    confidence: float | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Interval end {self.end} < start {self.start}")
        if self.peak is not None and not self.start <= self.peak <= self.end:
            raise ValueError(f"Interval peak {self.peak} outside [{self.start}, {self.end}]")

    @property
    def length(self) -> int:
        """Number of frames, ``end - start + 1``."""
        return self.end - self.start + 1

    def contains(self, frames: np.ndarray) -> np.ndarray:
        """Boolean mask of the frame numbers that lie inside the interval."""
        frames = np.asarray(frames)
        return (frames >= self.start) & (frames <= self.end)

    def iou(self, other: Interval) -> float:
        """Intersection over union of the two inclusive frame sets (counting frames)."""
        inter = min(self.end, other.end) - max(self.start, other.start) + 1
        if inter <= 0:
            return 0.0
        return inter / (self.length + other.length - inter)


# --------------------------------------------------------------------------- intervals


def smooth_curve(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` frames (1 = unchanged).

    At the ends the window is cut to the frames that exist (no zero padding), so a constant curve
    stays constant.
    """
    y = np.asarray(values, dtype=np.float64)
    if window < 1:
        raise ValueError(f"smoothing window must be >= 1, got {window}")
    if window == 1 or y.size == 0:
        return y.copy()
    kernel = np.ones(window)
    left = (window - 1) // 2
    total = np.convolve(y, kernel, mode="full")[left : left + y.size]
    count = np.convolve(np.ones_like(y), kernel, mode="full")[left : left + y.size]
    return total / count


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive index ranges ``(i, j)`` of the True runs of a 1-D mask."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _peaks(y: np.ndarray, distance: int) -> list[int]:
    """Indices of local maxima, plateau-aware (middle of a flat top), the clip edges included.

    Peaks closer than ``distance`` frames to a higher one are dropped (highest first; of equal
    heights the earlier wins, which ``find_peaks(distance=...)`` does not promise).
    """
    from scipy.signal import find_peaks  # here: scipy.signal takes seconds to import

    if y.size == 0:
        return []
    candidates, _ = find_peaks(np.pad(y, 1, constant_values=-np.inf))
    kept: list[int] = []
    for idx in sorted((int(i) - 1 for i in candidates), key=lambda i: (-y[i], i)):
        if all(abs(idx - k) >= distance for k in kept):
            kept.append(idx)
    return sorted(kept)


def _peak_spans(
    y: np.ndarray, p: float, half_width: int | None, distance: int, width_level: float | None
) -> list[tuple[int, int]]:
    """The MEGC baseline's spans: around each peak at or above ``mean + p * (max - mean)``."""
    mean, top = float(y.mean()), float(y.max())
    if top <= mean:
        logger.debug("spot_intervals: flat curve, no peaks")
        return []
    level = mean + p * (top - mean)
    above = y >= level
    runs = _runs(above)
    spans = []
    for idx in _peaks(y, distance):
        if not above[idx]:
            continue
        if half_width is not None:
            spans.append((max(idx - half_width, 0), min(idx + half_width, y.size - 1)))
        elif width_level is not None:
            span = _run_holding(_runs(y >= mean + width_level * (y[idx] - mean)), idx)
            if y[span[0] : span[1] + 1].max() <= y[idx]:  # else a higher peak's span holds it
                spans.append(span)
        else:
            spans.append(_run_holding(runs, idx))
    return sorted(set(spans))


def _run_holding(runs: list[tuple[int, int]], idx: int) -> tuple[int, int]:
    """The run of ``runs`` (:func:`_runs`) that holds ``idx``."""
    return next(r for r in runs if r[0] <= idx <= r[1])


def spot_intervals(
    intensity: np.ndarray,
    frame_numbers: Sequence[int] | np.ndarray,
    *,
    smooth: int = 1,
    threshold: float = 0.5,
    min_length: int = 1,
    method: Literal["threshold", "peak"] = "threshold",
    p: float = 0.5,
    half_width: int | None = None,
    distance: int = 1,
    width_level: float | None = None,
) -> list[Interval]:
    """Spot expression intervals in a per-frame intensity curve.

    The curve is first smoothed (:func:`smooth_curve`, window ``smooth``). Then:

    * ``method="threshold"``: every maximal run of frames with smoothed intensity
      ``>= threshold`` is an interval.
    * ``method="peak"`` (the MEGC spotting baseline): the threshold is
      ``mean + p * (max - mean)`` of the smoothed curve (``threshold`` is ignored); every local
      maximum at or above it (peaks closer than ``distance`` frames to a higher one dropped) gives
      an interval: ``[peak - half_width, peak + half_width]`` clipped to the clip when
      ``half_width`` is set, else the run of frames above the threshold around the peak, or,
      with ``width_level``, the run at or above ``mean + width_level * (peak - mean)`` around
      it (each interval as wide as its own peak is high: 0.5 = its full width at half its
      height above the mean; a peak whose run holds a higher frame gives none). A flat curve
      (max == mean) has no peaks.

    Intervals shorter than ``min_length`` frames are dropped. Each interval's ``score`` is the
    peak of the smoothed curve inside it and ``peak`` that frame's number. Indices map to
    ``frame_numbers`` as given (a gap in the numbering does not split an interval).

    Returns the intervals sorted by start frame.
    """
    y = smooth_curve(intensity, smooth)
    frames = np.asarray(frame_numbers, dtype=np.int64).reshape(-1)
    if y.ndim != 1 or frames.shape != y.shape:
        raise ValueError(f"intensity {y.shape} and frame_numbers {frames.shape} must match (T,)")
    if min_length < 1 or distance < 1 or (half_width is not None and half_width < 0):
        raise ValueError("min_length and distance must be >= 1 and half_width >= 0")
    if width_level is not None and not 0.0 <= width_level <= 1.0:
        raise ValueError(f"width_level must lie in [0, 1], got {width_level}")
    if y.size == 0:
        return []

    if method == "threshold":
        spans = _runs(y >= threshold)
    elif method == "peak":
        spans = _peak_spans(y, p, half_width, distance, width_level)
    else:
        raise ValueError(f"method must be 'threshold' or 'peak', got {method!r}")

    out: list[Interval] = []
    for i, j in spans:
        if j - i + 1 < min_length:
            continue
        k = i + int(np.argmax(y[i : j + 1]))
        out.append(
            Interval(int(frames[i]), int(frames[j]), score=float(y[k]), peak=int(frames[k]))
        )
    return out


# --------------------------------------------------------------------------- MEGC matching


@dataclass(frozen=True)
class Match:
    """The outcome of matching one video's predictions to its ground truth.

    ``pairs`` holds ``(prediction index, ground-truth index, IoU)`` for each true positive.
    """

    tp: int
    fp: int
    fn: int
    pairs: tuple[tuple[int, int, float], ...] = ()


def match_intervals(
    predictions: Sequence[Interval],
    ground_truth: Sequence[Interval],
    iou_threshold: float = 0.5,
) -> Match:
    """Match one video's predicted intervals to its ground truth (MEGC rule).

    A prediction is a true positive when its IoU (inclusive frame sets) with a ground truth is
    ``>= iou_threshold`` (0.5 itself counts), each ground truth and each prediction matched at
    most once, with as many pairs as possible (a maximum one-to-one matching, then the largest
    total IoU: :func:`microexp.eval.megc.matching.match_intervals`, the scorer's own; a greedy
    pass by IoU can spend a prediction on a truth that another prediction alone could find).
    Unmatched predictions are false positives, unmatched ground truths false negatives.
    """
    found = megc_match(
        [(p.start, p.end) for p in predictions],
        [(t.start, t.end) for t in ground_truth],
        iou_threshold,
    )
    return Match(tp=found.tp, fp=found.fp, fn=found.fn, pairs=found.pairs)


def interval_scores(
    videos: Iterable[tuple[Sequence[Interval], Sequence[Interval]]],
    iou_threshold: float = 0.5,
) -> dict[str, float]:
    """MEGC interval scores over many videos.

    Args:
        videos: one ``(predictions, ground_truth)`` pair of interval lists per video.
        iou_threshold: minimum IoU of a true positive (0.5 in MEGC).

    Returns:
        ``{"tp", "fp", "fn", "precision", "recall", "f1"}`` with TP/FP/FN summed over the videos
        (:func:`match_intervals`). ``precision = TP/(TP+FP)``, ``recall = TP/(TP+FN)``,
        ``f1 = 2PR/(P+R) = 2TP/(2TP+FP+FN)``; each is 0.0 where its denominator is 0 (no
        predictions, no ground truth, or no true positive).
    """
    tp = fp = fn = 0
    for predictions, ground_truth in videos:
        m = match_intervals(predictions, ground_truth, iou_threshold)
        tp, fp, fn = tp + m.tp, fp + m.fp, fn + m.fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


# --------------------------------------------------------------------------- states and labels


def intensity_states(
    intensity: np.ndarray,
    intervals: Sequence[Interval],
    frame_numbers: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """The six states (``microexp.states.STATES`` ids) of every frame of a predicted curve.

    A frame is inside when it lies in one of ``intervals``; it is rising when it comes before
    that interval's peak frame (``Interval.peak``, else the first maximum of ``intensity`` inside
    the interval). The state rule itself is :func:`microexp.states.classify_states`.
    Where intervals overlap, the later-starting one decides ``rising``. Returns ``(T,)`` int64.
    """
    y = np.asarray(intensity, dtype=np.float64).reshape(-1)
    frames = np.asarray(frame_numbers, dtype=np.int64).reshape(-1)
    if frames.shape != y.shape:
        raise ValueError(f"intensity {y.shape} and frame_numbers {frames.shape} must match (T,)")
    inside = np.zeros(y.shape, dtype=bool)
    rising = np.zeros(y.shape, dtype=bool)
    for interval in sorted(intervals, key=lambda iv: iv.start):
        mask = interval.contains(frames)
        if not mask.any():
            continue
        peak = interval.peak
        if peak is None:
            idx = np.flatnonzero(mask)
            peak = int(frames[idx[int(np.argmax(y[idx]))]])
        inside |= mask
        rising[mask] = frames[mask] < peak
    return classify_states(np.clip(y, 0.0, 1.0), rising, inside)


class ClipPrediction(NamedTuple):
    """A clip's predicted class: ``(label, confidence, probs)``."""

    label: int
    confidence: float
    probs: np.ndarray


def clip_prediction(
    probs: np.ndarray,
    intervals: Sequence[Interval],
    frame_numbers: Sequence[int] | np.ndarray,
) -> ClipPrediction:
    """Clip label from per-frame class probabilities.

    ``probs`` is ``(T, C)``. The clip's probabilities are their mean over the frames of the
    highest-scoring predicted interval (the spotted expression); with no interval, or one that
    holds none of ``frame_numbers``, the mean over the whole clip. Returns
    ``(label = argmax, confidence = its mean probability, probs = the (C,) mean)``.
    """
    p = np.asarray(probs, dtype=np.float64)
    frames = np.asarray(frame_numbers, dtype=np.int64).reshape(-1)
    if p.ndim != 2 or p.shape[0] != frames.size or p.shape[0] == 0:
        raise ValueError(f"probs must be (T, C) with T = {frames.size} > 0, got {p.shape}")
    mask = np.ones(frames.size, dtype=bool)
    if intervals:
        best = max(intervals, key=lambda iv: iv.score)
        inside = best.contains(frames)
        if inside.any():
            mask = inside
        else:
            logger.warning(
                "clip_prediction: interval [%d, %d] has no frame in %d..%d; using the whole clip",
                best.start,
                best.end,
                frames.min(),
                frames.max(),
            )
    mean = p[mask].mean(axis=0)
    label = int(np.argmax(mean))
    return ClipPrediction(label=label, confidence=float(mean[label]), probs=mean)
