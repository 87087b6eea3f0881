"""Apex spotting: the frame a curve peaks at, the reference picks, and apex errors.

A clip's predicted apex is the peak of its smoothed predicted intensity; the references pick the
middle frame of the clip, or the peak of the mean magnitude of the onset-referenced flow. Errors
are in frames, absolute, and normalised by the clip's length in frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from microexp.eval.spotting import smooth_curve

#: A predicted apex is a hit when it lies within this fraction of the clip's length of the truth.
APEX_HIT_FRACTION = 0.1


def peak_frame(curve: np.ndarray, frame_numbers: Sequence[int] | np.ndarray) -> int | None:
    """The frame number where ``curve`` peaks; None when it is empty or not finite.

    On a flat top (a run of values equal to the maximum, up to float rounding) the middle frame
    of the first such run: a constant curve peaks at :func:`centre_frame`, so a flat prediction
    scores exactly as the centre-frame reference does.
    """
    y = np.asarray(curve, dtype=np.float64).reshape(-1)
    frames = np.asarray(frame_numbers, dtype=np.int64).reshape(-1)
    if y.shape != frames.shape:
        raise ValueError(f"curve {y.shape} and frame_numbers {frames.shape} must match (T,)")
    if y.size == 0 or not np.all(np.isfinite(y)):
        return None
    top = np.isclose(y, y.max(), rtol=1e-9, atol=1e-12)
    start = int(np.argmax(top))
    stop = start + int(np.argmin(top[start:])) if not top[start:].all() else y.size
    return int(frames[(start + stop - 1) // 2])


def predicted_apex(
    intensity: np.ndarray, frame_numbers: Sequence[int] | np.ndarray, smooth: int = 1
) -> int | None:
    """The peak of the intensity smoothed as the spotting smooths it (window ``smooth``)."""
    y = np.asarray(intensity, dtype=np.float64)
    if y.size == 0 or not np.all(np.isfinite(y)):
        return None
    return peak_frame(smooth_curve(y, smooth), frame_numbers)


def centre_frame(frame_numbers: Sequence[int] | np.ndarray) -> int | None:
    """The middle predicted frame (the earlier of the two middle ones); None for no frame."""
    frames = np.asarray(frame_numbers, dtype=np.int64).reshape(-1)
    return int(frames[(frames.size - 1) // 2]) if frames.size else None


def flow_magnitude(flow: np.ndarray) -> np.ndarray:
    """Mean flow magnitude of each step: ``(S, 2, H, W)`` -> ``(S,)`` float64."""
    f = np.asarray(flow, dtype=np.float64)
    if f.ndim != 4 or f.shape[1] != 2:
        raise ValueError(f"flow must be (S, 2, H, W), got {f.shape}")
    return np.sqrt((f**2).sum(axis=1)).mean(axis=(1, 2))


def apex_scores(clips: Iterable[tuple[int, int, int]]) -> dict[str, float] | None:
    """Apex errors over ``(predicted apex, true apex, clip length in frames)`` triples.

    Returns ``apex_mae`` (mean absolute error in frames), ``apex_nmae`` (mean of each error
    divided by its clip's length) and ``apex_hit`` (the fraction of clips whose error is at most
    :data:`APEX_HIT_FRACTION` of their length), in float64; None when there is no clip.
    """
    rows = np.array(list(clips), dtype=np.float64).reshape(-1, 3)
    if rows.shape[0] == 0:
        return None
    error = np.abs(rows[:, 0] - rows[:, 1])
    length = rows[:, 2]
    return {
        "apex_mae": float(error.mean()),
        "apex_nmae": float((error / length).mean()),
        "apex_hit": float((error <= APEX_HIT_FRACTION * length).mean()),
    }
