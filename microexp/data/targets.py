"""Per-frame targets: intensity (0 at onset, 1 at apex, 0 at offset), the six states, and
pseudo motion masks from flow.

Frame numbers are absolute, as in CASME II. Every function takes the frame numbers it should
label, so it works unchanged on a clip sampled at a stride.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.ndimage import binary_opening

from microexp.flow.head_motion import face_region
from microexp.states import classify_states

INTENSITY_KINDS = ("linear", "cosine")


def in_interval(frame_numbers: Sequence[int] | np.ndarray, onset: int, offset: int) -> np.ndarray:
    """Boolean ``(T,)``: the frame lies inside the inclusive interval [onset, offset]."""
    f = np.asarray(frame_numbers)
    return (f >= onset) & (f <= offset)


def intensity_curve(
    frame_numbers: Sequence[int] | np.ndarray,
    onset: int,
    apex: int,
    offset: int,
    kind: str = "linear",
) -> np.ndarray:
    """Target intensity per frame: 0 outside [onset, offset], rising to 1 at the apex and
    falling back to 0 at the offset; ``linear`` (default) or ``cosine`` (smooth) ramps.

    An apex equal to the onset (or offset) gives an immediate 1 there (no rising or falling
    ramp). Returns float32 ``(T,)``.
    """
    if kind not in INTENSITY_KINDS:
        raise ValueError(f"intensity kind must be one of {INTENSITY_KINDS}, not {kind!r}")
    if not onset <= apex <= offset:
        raise ValueError(f"need onset <= apex <= offset, got {onset}, {apex}, {offset}")
    f = np.asarray(frame_numbers, dtype=np.float64)
    y = np.zeros(f.shape, np.float64)
    rise = (f >= onset) & (f <= apex)
    fall = (f > apex) & (f <= offset)
    y[rise] = (f[rise] - onset) / (apex - onset) if apex > onset else 1.0
    if offset > apex:
        y[fall] = (offset - f[fall]) / (offset - apex)
    if kind == "cosine":
        y = 0.5 * (1.0 - np.cos(np.pi * y))
    return y.astype(np.float32)


def target_states(
    frame_numbers: Sequence[int] | np.ndarray,
    onset: int,
    apex: int,
    offset: int,
    intensity: np.ndarray,
) -> np.ndarray:
    """The ground-truth state of every frame (``microexp.states`` ids): rising = before the apex,
    inside = within [onset, offset]."""
    f = np.asarray(frame_numbers)
    return classify_states(intensity, f < apex, in_interval(f, onset, offset))


def pseudo_masks(
    motion: np.ndarray,
    inside: np.ndarray,
    threshold: float,
    region: np.ndarray | None = None,
) -> np.ndarray:
    """Per-frame pseudo motion masks: ``(T, 1, H, W)`` uint8.

    The mask of frame t holds the pixels of the face region whose displacement exceeds
    ``threshold`` pixels, on frames inside [onset, offset]; every other frame's mask is empty.
    The threshold is absolute (at the network's size) and set above TV-L1's noise floor; an
    opening with a 3 x 3 square then removes the specks smaller than that (TV-L1's errors at
    sharp edges such as a pupil under head motion, up to a few tenths of a pixel), so a clip
    without motion gets empty masks.

    Args:
        motion: ``(T, 2, H, W)`` each frame's displacement (onset-referenced flow with the head
            motion removed).
        inside: ``(T,)`` bool, the frame lies inside [onset, offset].
        threshold: displacement in pixels above which a pixel moves.
        region: ``(H, W)`` bool, where a face can move (default: the face ellipse of
            :func:`~microexp.flow.head_motion.face_region`).
    """
    m = np.asarray(motion, np.float32)
    if m.ndim != 4 or m.shape[1] != 2 or m.shape[0] != len(inside):
        raise ValueError(f"motion must be (T, 2, H, W) with T = {len(inside)}, got {m.shape}")
    region = face_region(*m.shape[-2:]) if region is None else np.asarray(region, bool)
    moving = ((m[:, 0] ** 2 + m[:, 1] ** 2) > float(threshold) ** 2) & region[None]
    moving = binary_opening(moving, structure=np.ones((1, 3, 3), bool))
    return (moving & np.asarray(inside, bool)[:, None, None])[:, None].astype(np.uint8)
