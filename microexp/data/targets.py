"""Per-frame targets: intensity (0 at onset, 1 at apex, 0 at offset), the six states, and
pseudo motion masks from flow.

Frame numbers are absolute, as in CASME II. Every function takes the frame numbers it should
label, so it works unchanged on a clip sampled at a stride.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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


def compensate_head_motion(flow: np.ndarray) -> np.ndarray:
    """Subtract each step's median flow (the global, head-motion part): ``(T, 2, H, W)``."""
    median = np.median(flow.reshape(flow.shape[0], 2, -1), axis=2)
    return flow - median[:, :, None, None].astype(flow.dtype)


def motion_region(
    flow: np.ndarray,
    step_frames: Sequence[int] | np.ndarray,
    onset: int,
    apex: int,
    offset: int,
    *,
    quantile: float = 0.9,
    compensate: bool = True,
    blur: float = 2.0,
) -> np.ndarray:
    """The clip's moving region, from its flow: a boolean ``(H, W)`` map.

    Time-contrasted motion: the mean flow magnitude (after head-motion compensation) over the
    steps inside [onset, offset] minus the mean over the steps outside it. Movements that also
    happen in neutral frames (blinks, flicker at edges, residual head motion) cancel; what
    remains is the expression's. The map is blurred and thresholded at the clip's ``quantile``.
    A clip with no step outside the interval (CASME II clips often start at the onset) uses the
    inside mean alone; one with no step inside gets an empty region.

    Args:
        flow: ``(T, 2, H, W)`` flow of a chain of steps (step t moves frame t to frame t+1 of
            the chain).
        step_frames: ``(T,)`` absolute frame number of each step's *later* frame.
        onset, apex, offset: the clip's interval (``apex`` is accepted for symmetry with the
            other targets; the region does not depend on it).
        quantile: pixels above this quantile of the contrast are moving.
        compensate: subtract each step's median flow first (head motion).
        blur: Gaussian sigma in pixels applied before thresholding (0 = none).
    """
    import cv2

    f = np.asarray(step_frames)
    flow = np.asarray(flow, dtype=np.float32)
    if flow.ndim != 4 or flow.shape[1] != 2 or flow.shape[0] != f.size:
        raise ValueError(f"flow must be (T, 2, H, W) with T = {f.size}, got {flow.shape}")
    h, w = flow.shape[2:]
    inside = (f > onset) & (f <= offset)
    if not inside.any():
        return np.zeros((h, w), bool)
    if compensate:
        flow = compensate_head_motion(flow)
    mag = np.sqrt(flow[:, 0] ** 2 + flow[:, 1] ** 2)
    contrast = mag[inside].mean(axis=0)
    if (~inside).any():
        contrast = np.clip(contrast - mag[~inside].mean(axis=0), 0.0, None)
    if float(contrast.max()) <= 0:
        return np.zeros((h, w), bool)
    if blur > 0:
        contrast = cv2.GaussianBlur(contrast.astype(np.float32), (0, 0), blur)
    return contrast > np.quantile(contrast, quantile)


def pseudo_masks(
    region: np.ndarray, frame_numbers: Sequence[int] | np.ndarray, onset: int, offset: int
) -> np.ndarray:
    """Per-frame masks: the clip's moving region on frames inside [onset, offset], empty
    elsewhere. Returns uint8 ``(T, 1, H, W)``."""
    inside = in_interval(frame_numbers, onset, offset)
    return (inside[:, None, None, None] & region[None, None]).astype(np.uint8)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean maps (1.0 when both are empty)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = (a | b).sum()
    return 1.0 if union == 0 else float((a & b).sum() / union)
