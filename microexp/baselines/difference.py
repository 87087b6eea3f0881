"""Feature-difference analysis for spotting (Moilanen et al., ICPR 2014; Li et al., 2018).

For per-frame, per-block histograms ``(T, B, D)`` of a clip: ``F(t)`` is the mean of the ``M``
largest chi-squared block distances (``M`` = a third of the blocks) between frame ``t`` and the
mean of frames ``t - k`` and ``t + k``; ``C(t) = F(t) - (F(t - k) + F(t + k)) / 2``, clipped at
0, divided by its maximum over the clip, is the spotting curve. Indices outside the clip are
mirrored back into it, not clamped (docs/architecture.md, "Handcrafted baselines").
"""

from __future__ import annotations

import numpy as np


def chi2_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Chi-squared distance ``sum((a - b)**2 / (a + b))`` over the last axis (bins where
    ``a + b == 0`` add nothing)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    total = a + b
    diff = (a - b) ** 2
    ratio = np.divide(
        diff, total, out=np.zeros(np.broadcast_shapes(a.shape, b.shape)), where=total > 0
    )
    return ratio.sum(axis=-1)


def neighbours(t: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the tail (``t - k``) and head (``t + k``) frames of each of ``t`` frames,
    mirrored at the clip's ends (and clamped into it when the clip is shorter than ``k``)."""
    idx = np.arange(t)
    tail = np.abs(idx - k)
    head = idx + k
    head = np.where(head > t - 1, 2 * (t - 1) - head, head)
    return np.clip(tail, 0, t - 1), np.clip(head, 0, t - 1)


def feature_difference(features: np.ndarray, k: int, *, top_fraction: float = 1 / 3) -> np.ndarray:
    """``F(t)``: mean of the largest block chi-squared distances between each frame and the mean
    of the frames ``k`` before and after it.

    Args:
        features: ``(T, B, D)`` per-frame block histograms.
        k: half the interval, in frames (>= 1).
        top_fraction: fraction of the blocks averaged (the ``M`` largest, at least one).

    Returns:
        ``(T,)`` float64.
    """
    f = np.asarray(features, np.float64)
    if f.ndim != 3:
        raise ValueError(f"features must be (T, B, D), got {f.shape}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    t, blocks, _ = f.shape
    if t == 0:
        return np.zeros(0)
    tail, head = neighbours(t, k)
    aff = 0.5 * (f[tail] + f[head])
    dist = chi2_distance(f, aff)  # (T, B)
    m = max(1, round(blocks * top_fraction))
    top = np.sort(dist, axis=1)[:, blocks - m :]
    return top.mean(axis=1)


def contrast(values: np.ndarray, k: int) -> np.ndarray:
    """``C(t) = max(0, F(t) - (F(t - k) + F(t + k)) / 2)`` (indices mirrored at the ends)."""
    f = np.asarray(values, np.float64)
    if f.ndim != 1:
        raise ValueError(f"values must be (T,), got {f.shape}")
    if f.size == 0:
        return f.copy()
    tail, head = neighbours(f.size, k)
    return np.maximum(0.0, f - 0.5 * (f[tail] + f[head]))


def spotting_curve(features: np.ndarray, k: int, *, top_fraction: float = 1 / 3) -> np.ndarray:
    """Per-frame spotting score in [0, 1]: the contrasted feature difference over its clip
    maximum (zeros when it is 0 everywhere)."""
    c = contrast(feature_difference(features, k, top_fraction=top_fraction), k)
    top = float(c.max()) if c.size else 0.0
    return c / top if top > 0 else np.zeros_like(c)
