"""The six expression states of the paper's Fig. 2 and the rule that assigns them.

One rule serves both the ground-truth targets (``microexp.data.targets``) and the states read off a
predicted intensity curve (``microexp.eval.spotting``), so the two can never disagree.
"""

from __future__ import annotations

import numpy as np

#: State names, indexed by state id.
STATES: tuple[str, ...] = ("neutral", "onset", "onset-apex", "apex", "apex-offset", "offset")
NEUTRAL, ONSET, ONSET_APEX, APEX, APEX_OFFSET, OFFSET = range(6)

#: Intensity thresholds: below LOW a frame is onset/offset, at or above HIGH it is apex.
LOW = 1.0 / 3.0
HIGH = 0.9


def classify_states(intensity: np.ndarray, rising: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Map a per-frame intensity curve to state ids.

    Args:
        intensity: ``(T,)`` values in [0, 1].
        rising: ``(T,)`` bool, True where the frame lies before the apex (the curve is rising).
        inside: ``(T,)`` bool, True where the frame lies inside the expression interval.

    Returns:
        ``(T,)`` int64 state ids: neutral outside the interval; inside it apex where y >= 0.9, else
        onset (rising, y < 1/3), onset-apex (rising, 1/3 <= y < 0.9), apex-offset (falling,
        y >= 1/3) or offset (falling, y < 1/3). Every frame gets exactly one state.
    """
    y = np.asarray(intensity, dtype=np.float64)
    rising = np.asarray(rising, dtype=bool)
    inside = np.asarray(inside, dtype=bool)
    if not (y.shape == rising.shape == inside.shape) or y.ndim != 1:
        raise ValueError(
            f"intensity, rising and inside must be 1-D of one length, got {y.shape}, "
            f"{rising.shape}, {inside.shape}"
        )
    out = np.full(y.shape, NEUTRAL, dtype=np.int64)
    low = y < LOW
    apex = y >= HIGH
    out[inside & rising & low] = ONSET
    out[inside & rising & ~low & ~apex] = ONSET_APEX
    out[inside & ~rising & low] = OFFSET
    out[inside & ~rising & ~low & ~apex] = APEX_OFFSET
    out[inside & apex] = APEX
    return out
