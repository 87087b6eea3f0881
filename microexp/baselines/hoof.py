"""Histograms of oriented optical flow (HOOF) per block, and the HOOF spotting baseline: the same
feature-difference analysis as the LBP baseline (:mod:`microexp.baselines.difference`) on HOOF
instead of LBP histograms (as compared in Li et al., 2018).

The flow comes from the project's TV-L1 cache (:class:`microexp.flow.cache.FlowCache`), which
holds the flow from every frame ``i`` to frame ``i + step``. Frame ``t`` is described by the flow
centred on it, from ``t - step // 2`` to ``t - step // 2 + step`` (clamped to the clip), after
head-motion compensation (each field's median vector subtracted).
"""

from __future__ import annotations

import numpy as np

from microexp.baselines.difference import spotting_curve
from microexp.baselines.lbp import block_index
from microexp.data.targets import compensate_head_motion


def orientation_histograms(
    flow: np.ndarray,
    *,
    grid: tuple[int, int] = (6, 6),
    bins: int = 8,
    normalise: bool = True,
) -> np.ndarray:
    """Magnitude-weighted orientation histograms of flow fields, per block.

    Bin ``b`` is centred on the direction ``2 pi b / bins`` in image coordinates (bin 0: +x, to
    the right; for 8 bins, bin 2: +y, downwards), so a flow along an axis falls in one bin.

    Args:
        flow: ``(N, 2, H, W)`` (or one ``(2, H, W)`` field); channel 0 = x, channel 1 = y.
        grid: ``(rows, cols)`` blocks.
        bins: orientation bins over the full circle.
        normalise: scale each histogram to sum 1 (Chaudhry et al.'s HOOF, the default);
            False keeps the block's mean flow magnitude per direction (pixels).

    Returns:
        ``(N, rows * cols, bins)`` float64 (``(rows * cols, bins)`` for a single field).
    """
    f = np.asarray(flow, np.float64)
    single = f.ndim == 3
    if single:
        f = f[None]
    if f.ndim != 4 or f.shape[1] != 2:
        raise ValueError(f"flow must be (N, 2, H, W) or (2, H, W), got {np.shape(flow)}")
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    n, _, h, w = f.shape
    blocks = block_index(h, w, grid)
    n_blocks = grid[0] * grid[1]
    u, v = f[:, 0], f[:, 1]
    magnitude = np.hypot(u, v)
    angle = np.arctan2(v, u)
    b = np.rint(angle / (2 * np.pi / bins)).astype(np.int64) % bins
    key = (np.arange(n)[:, None, None] * n_blocks + blocks[None]) * bins + b
    hist = np.bincount(key.ravel(), weights=magnitude.ravel(), minlength=n * n_blocks * bins)
    hist = hist.reshape(n, n_blocks, bins)
    if normalise:
        total = hist.sum(axis=-1, keepdims=True)
        hist = np.divide(hist, total, out=np.zeros_like(hist), where=total > 0)
    else:
        hist = hist / np.bincount(blocks.ravel(), minlength=n_blocks)[None, :, None]
    return hist[0] if single else hist


def frame_flow_index(n_frames: int, n_flows: int, step: int) -> np.ndarray:
    """Which flow field describes each frame: ``clip(t - step // 2, 0, n_flows - 1)``."""
    if n_flows < 1:
        raise ValueError("a clip needs at least one flow field")
    return np.clip(np.arange(n_frames) - step // 2, 0, n_flows - 1)


def hoof_features(
    flow: np.ndarray,
    n_frames: int,
    step: int,
    *,
    grid: tuple[int, int] = (6, 6),
    bins: int = 8,
    normalise: bool = True,
    compensate: bool = True,
) -> np.ndarray:
    """Per-frame block HOOF of a clip, ``(n_frames, rows * cols, bins)``, from its cached flow
    ``(n_frames - step, 2, H, W)`` (flow ``i`` moves frame ``i`` to ``i + step``)."""
    f = np.asarray(flow, np.float32)
    if f.ndim != 4 or f.shape[0] < 1:
        raise ValueError(f"flow must be (N >= 1, 2, H, W), got {f.shape}")
    if compensate:
        f = compensate_head_motion(f)
    hist = orientation_histograms(f, grid=grid, bins=bins, normalise=normalise)
    return hist[frame_flow_index(n_frames, f.shape[0], step)]


def hoof_spotting_curve(
    flow: np.ndarray,
    n_frames: int,
    step: int,
    k: int,
    *,
    grid: tuple[int, int] = (6, 6),
    bins: int = 8,
    normalise: bool = True,
    compensate: bool = True,
    top_fraction: float = 1 / 3,
) -> np.ndarray:
    """The HOOF spotting score of every frame of a clip, in [0, 1]."""
    features = hoof_features(
        flow, n_frames, step, grid=grid, bins=bins, normalise=normalise, compensate=compensate
    )
    return spotting_curve(features, k, top_fraction=top_fraction)
