"""When a spotting score means something on the test frames, and the sentence written beside it
(as ``<score>_why``) when it does not: a score that is undefined, or that a constant predictor
would get for free, is null, never NaN.

Clips cut at their onset and offset (CASME II as released) hold no frame outside the annotated
interval: inside/outside frame AUC has no negatives, and the whole clip as one interval matches
every truth. Those two scores need :data:`MIN_OUTSIDE_FRACTION` of the frames outside.
"""

from __future__ import annotations

import numpy as np

#: Inside/outside frame AUC and interval F1 need at least this fraction of the test frames
#: outside the annotated intervals.
MIN_OUTSIDE_FRACTION = 0.2
#: A frame is in the expression's phase (phase AUC's positives) when its target intensity is at
#: least this.
PHASE_LEVEL = 0.5
#: Why a method without a per-frame intensity (recognition only) has no spotting score.
NO_SPOTTING = "the method predicts no per-frame intensity (recognition only)"


def percent(fraction: float) -> str:
    """``0.2`` -> ``"20%"``, ``0.125`` -> ``"12.5%"``."""
    text = f"{100 * fraction:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def outside_fraction(inside: np.ndarray) -> float | None:
    """The fraction of the frames outside the annotated intervals; None for no frame."""
    inside = np.asarray(inside, dtype=bool).reshape(-1)
    return float(1.0 - inside.mean()) if inside.size else None


def inside_outside_why(inside: np.ndarray, score: str) -> str | None:
    """Why ``score`` (an inside/outside score) is null on these frames; None when it is defined."""
    inside = np.asarray(inside, dtype=bool).reshape(-1)
    fraction = outside_fraction(inside)
    if fraction is None:
        return f"no test frame: {score} needs frames"
    if inside.size - int(inside.sum()) < MIN_OUTSIDE_FRACTION * inside.size:  # counts: exact
        return (
            f"only {percent(fraction)} of the {inside.size} test frames lie outside the annotated "
            f"intervals (clips cut at their onset and offset have none): {score} needs >= "
            f"{percent(MIN_OUTSIDE_FRACTION)}"
        )
    if not inside.any():
        return f"no test frame lies inside an annotated interval: {score} needs some"
    return None


def phase_why(target: np.ndarray) -> str | None:
    """Why phase AUC is null on frames with these target intensities; None when it is defined."""
    phase = np.asarray(target, dtype=np.float64).reshape(-1) >= PHASE_LEVEL
    if phase.size == 0:
        return "no test frame: phase AUC needs frames"
    if phase.all() or not phase.any():
        which = "every" if phase.all() else "no"
        return (
            f"{which} test frame has a target intensity >= {PHASE_LEVEL}: phase AUC needs frames "
            "on both sides"
        )
    return None
