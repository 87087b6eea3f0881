"""Histograms of oriented optical flow (HOOF) per block, and the HOOF spotting baseline: the same
feature-difference analysis as the LBP baseline (:mod:`microexp.baselines.difference`) on HOOF
instead of LBP histograms (as compared in Li et al., 2018).

The flow comes from the data store (:class:`microexp.data.store.PreparedClip`): the clip's
chain entries from the network's TV-L1 cache with their head motion removed. Frame ``t`` is
described by the entry that :meth:`~microexp.flow.reference.FlowReference.entry_of_frame`
gives it (the nearest chain frame's displacement, or the step centred nearest it).
"""

from __future__ import annotations

import numpy as np

from microexp.baselines.difference import spotting_curve
from microexp.baselines.lbp import block_index
from microexp.flow.reference import FlowReference


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


def hoof_features(
    flow: np.ndarray,
    n_frames: int,
    reference: FlowReference,
    *,
    grid: tuple[int, int] = (6, 6),
    bins: int = 8,
    normalise: bool = True,
) -> np.ndarray:
    """Per-frame block HOOF of a clip, ``(n_frames, rows * cols, bins)``, from the flow of its
    chain entries ``(M, 2, H, W)`` (see :mod:`microexp.flow.reference`)."""
    f = np.asarray(flow, np.float32)
    if f.ndim != 4 or f.shape[0] < 1:
        raise ValueError(f"flow must be (M >= 1, 2, H, W), got {f.shape}")
    hist = orientation_histograms(f, grid=grid, bins=bins, normalise=normalise)
    return hist[reference.entry_of_frame(n_frames, f.shape[0])]


def hoof_spotting_curve(
    flow: np.ndarray,
    n_frames: int,
    reference: FlowReference,
    k: int,
    *,
    grid: tuple[int, int] = (6, 6),
    bins: int = 8,
    normalise: bool = True,
    top_fraction: float = 1 / 3,
) -> np.ndarray:
    """The HOOF spotting score of every frame of a clip, in [0, 1]."""
    features = hoof_features(flow, n_frames, reference, grid=grid, bins=bins, normalise=normalise)
    return spotting_curve(features, k, top_fraction=top_fraction)
