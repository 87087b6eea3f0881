"""One video's interval matching: a maximum one-to-one matching of predictions to truths among the
pairs whose IoU on inclusive frame sets reaches the threshold (0.5 in MEGC)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Match:
    """The matched pairs ``(prediction index, truth index, iou)`` and the counts they give."""

    pairs: tuple[tuple[int, int, float], ...]
    n_pred: int
    n_truth: int

    @property
    def tp(self) -> int:
        """Truths found (= predictions that found one: the matching is one-to-one)."""
        return len(self.pairs)

    @property
    def fp(self) -> int:
        return self.n_pred - self.tp

    @property
    def fn(self) -> int:
        return self.n_truth - self.tp


def _overlap(
    predicted: Sequence[tuple[int, int]], truth: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Frames shared and frames covered by every ``(prediction, truth)`` pair of inclusive
    ``(start, end)`` intervals: ``(intersection, union)``, both ``(n_pred, n_truth)`` int64."""
    p = np.asarray(predicted, dtype=np.int64).reshape(-1, 2)
    t = np.asarray(truth, dtype=np.int64).reshape(-1, 2)
    inter = np.minimum(p[:, 1:2], t[None, :, 1]) - np.maximum(p[:, 0:1], t[None, :, 0]) + 1
    inter = np.maximum(inter, 0)
    lengths_p = p[:, 1] - p[:, 0] + 1
    lengths_t = t[:, 1] - t[:, 0] + 1
    union = lengths_p[:, None] + lengths_t[None, :] - inter
    return inter, union


def match_intervals(
    predicted: Sequence[tuple[int, int]],
    truth: Sequence[tuple[int, int]],
    iou_threshold: float = 0.5,
) -> Match:
    """Match one video's predictions to its truths, each used at most once.

    A pair is eligible when ``|P ∩ T| / |P ∪ T| >= iou_threshold`` (frames counted inclusively,
    so a one-frame interval matches itself; 0.5 itself counts). Among the eligible pairs the
    matching has the largest possible number of pairs (not greedy: a greedy pass can spend a
    prediction on a truth that another prediction alone could find); among such matchings, the
    one with the largest total IoU is reported.
    """
    n_pred, n_truth = len(predicted), len(truth)
    if n_pred == 0 or n_truth == 0:
        return Match((), n_pred, n_truth)
    inter, union = _overlap(predicted, truth)
    eligible = (inter > 0) & (inter >= iou_threshold * union)
    iou = inter / union
    # Each matched pair is worth 1 plus an IoU bonus whose total stays below 1, so the assignment
    # maximises the number of eligible pairs first and their IoU second.
    weight = np.where(eligible, 1.0 + iou / (min(n_pred, n_truth) + 1), 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    pairs = tuple((int(i), int(j), float(iou[i, j])) for i, j in zip(rows, cols) if eligible[i, j])
    return Match(pairs, n_pred, n_truth)
