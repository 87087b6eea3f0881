"""Live spotting gives, step by step, the intervals offline spotting gives on the whole curve."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.eval.spotting import clip_prediction, spot_intervals
from microexp.predict.online import OnlineSpotter


@pytest.mark.parametrize("smooth,min_length", [(1, 1), (3, 2), (4, 3), (7, 1)])
def test_online_equals_offline(smooth: int, min_length: int) -> None:
    rng = np.random.default_rng(smooth * 10 + min_length)
    n = 300
    # bumps of several widths on a noisy floor: intervals of every length, some merged
    t = np.arange(n)
    curve = 0.2 + 0.05 * rng.standard_normal(n)
    for centre, width in ((30, 2), (80, 6), (150, 15), (220, 1), (290, 8)):
        curve += 0.6 * np.exp(-0.5 * ((t - centre) / width) ** 2)
    probs = rng.dirichlet(np.ones(4), size=n)
    numbers = 100 + 4 * t  # frame numbers of steps 4 frames apart
    spot = {"method": "threshold", "threshold": 0.5, "smooth": smooth, "min_length": min_length}
    offline = spot_intervals(curve, numbers, **spot)
    assert len(offline) >= 3
    spotter = OnlineSpotter(spot)
    online, closed_at = [], []
    for k in range(n):
        for iv in spotter.push(int(numbers[k]), float(curve[k]), probs[k]):
            online.append(iv)
            closed_at.append(int(numbers[k]))
    online += spotter.finish()
    assert [(iv.start, iv.end, iv.peak) for iv in online] == [
        (iv.start, iv.end, iv.peak) for iv in offline
    ]
    for a, b in zip(online, offline, strict=True):
        assert a.score == pytest.approx(b.score)
        label = clip_prediction(probs, [b], numbers)
        assert a.label == label.label and a.confidence == pytest.approx(label.confidence)
    # each interval closed as soon as the smoothed curve fell below the threshold: at most
    # half a smoothing window after its last step
    for iv, when in zip(online, closed_at, strict=False):
        assert 0 < when - iv.end <= 4 * (smooth // 2 + 1)


def test_peak_method_is_replaced_and_said() -> None:
    spotter = OnlineSpotter({"method": "peak", "threshold": 0.4, "smooth": 1, "min_length": 1})
    assert "threshold rule" in spotter.method_note
    assert spotter.push(0, 0.9, np.ones(2) / 2) == []
    assert [(iv.start, iv.end) for iv in spotter.push(1, 0.1, np.ones(2) / 2)] == [(0, 0)]
