"""Spotting as the steps arrive: the threshold rule of
:func:`~microexp.eval.spotting.spot_intervals` (centred moving average, runs at or above the
threshold, runs shorter than ``min_length`` dropped), each interval given out as soon as it
closes, with the class of highest mean probability inside it. Over a whole stream it gives the
intervals that offline spotting gives on the same curve; it keeps only a smoothing window and
the open interval's sums, never the history."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from microexp.eval.spotting import Interval

log = logging.getLogger(__name__)


@dataclass
class _Run:
    """The interval open now: its first step, peak and probability sums."""

    start: int
    end: int
    peak: int
    score: float
    probs: np.ndarray
    steps: int = 1


class OnlineSpotter:
    """Push each step's ``(frame number, intensity, class probabilities)``; get the intervals
    that closed.

    Args:
        spot: the checkpoint's spotting settings (``threshold``, ``smooth``, ``min_length``;
            the ``peak`` method needs the whole curve and is replaced by the threshold rule).
    """

    def __init__(self, spot: dict[str, Any]) -> None:
        self.threshold = float(spot.get("threshold", 0.5))
        self.smooth = int(spot.get("smooth", 1))
        self.min_length = int(spot.get("min_length", 1))
        if self.smooth < 1 or self.min_length < 1:
            raise ValueError("smooth and min_length must be >= 1")
        self.method_note = (
            ""
            if spot.get("method", "threshold") == "threshold"
            else f"live spotting uses the threshold rule (threshold {self.threshold:g}), not "
            f"the checkpoint's {spot.get('method')!r} method, which needs the whole curve"
        )
        # smooth_curve's window around step i: ``_back`` steps before it, ``_ahead`` after
        self._ahead = (self.smooth - 1) // 2
        self._back = self.smooth - 1 - self._ahead
        # the steps still inside some smoothing window: (index, number, value, probs)
        self._window: deque[tuple[int, int, float, np.ndarray]] = deque()
        self._count = 0  # steps pushed
        self._next = 0  # the next step whose smoothed value is computed
        self._run: _Run | None = None

    def push(self, number: int, value: float, probs: np.ndarray) -> list[Interval]:
        """Add one step; returns the intervals that closed (usually none)."""
        self._window.append((self._count, int(number), float(value), np.asarray(probs)))
        self._count += 1
        out = []
        while self._next + self._ahead < self._count:
            out += self._settle()
        return out

    def finish(self) -> list[Interval]:
        """The end of the stream: the last steps (windows cut at the end, as offline) and the
        interval still open."""
        out = []
        while self._next < self._count:
            out += self._settle()
        if self._run is not None:
            out += self._close()
        return out

    def _settle(self) -> list[Interval]:
        """Smooth step ``_next`` (its window is complete, or cut at an end) and update runs."""
        i = self._next
        lo, hi = i - self._back, i + self._ahead
        values = [v for j, _, v, _ in self._window if lo <= j <= hi]
        y = float(np.mean(values))
        _, number, _, probs = next(s for s in self._window if s[0] == i)
        self._next += 1
        while self._window and self._window[0][0] < self._next - self._back:
            self._window.popleft()
        out = []
        if y >= self.threshold:
            run = self._run
            if run is None:
                self._run = _Run(number, number, number, y, probs.astype(np.float64))
            else:
                run.end, run.steps, run.probs = number, run.steps + 1, run.probs + probs
                if y > run.score:
                    run.score, run.peak = y, number
        elif self._run is not None:
            out = self._close()
        return out

    def _close(self) -> list[Interval]:
        run, self._run = self._run, None
        assert run is not None
        if run.steps < self.min_length:
            return []
        mean = run.probs / run.steps
        label = int(np.argmax(mean))
        return [
            Interval(
                run.start,
                run.end,
                score=run.score,
                peak=run.peak,
                label=label,
                confidence=float(mean[label]),
            )
        ]
