"""Local binary patterns (LBP) on image planes of a video volume, block histograms, and the LBP
feature-difference spotting baseline (Moilanen et al., ICPR 2014; Li et al., 2018).

Two samplers. :func:`lbp_codes` samples like :func:`skimage.feature.local_binary_pattern`
(neighbour ``p`` at ``(-R_a sin(2 pi p / P), R_b cos(2 pi p / P))`` on a plane's two axes,
bilinear interpolation, ``neighbour >= centre`` sets bit ``p``), so on the XY plane with equal
radii it returns scikit-image's codes; centres whose neighbourhood leaves the volume get no code
(``-1``). It serves the per-frame LBP of the spotting baseline and the ``"legacy"`` LBP-TOP.
:func:`lbptop_codes` computes the three planes of LBP-TOP as Zhao and Pietikainen's ``LBPTOP.m``
(Matlab version by X. Huang) does without interpolation: its neighbour order on each plane,
round-half-up sampling, and one common interior for the three planes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from microexp.baselines.difference import spotting_curve

#: Planes of a ``(T, H, W)`` volume: which two axes each one spans (first axis = LBP rows).
PLANES: dict[str, tuple[int, int]] = {"xy": (1, 2), "xt": (0, 2), "yt": (0, 1)}
METHODS = ("default", "uniform", "nri_uniform")


def to_grey(frames: np.ndarray) -> np.ndarray:
    """RGB ``(T, 3, H, W)`` (or grey ``(T, H, W)``) uint8 frames as grey ``(T, H, W)`` uint8.

    Uses ITU-R BT.601 weights, rounded, as ``cv2.cvtColor(..., COLOR_RGB2GRAY)`` does.
    """
    arr = np.asarray(frames)
    if arr.ndim == 3:
        return arr.astype(np.uint8, copy=False)
    if arr.ndim != 4 or arr.shape[1] != 3:
        raise ValueError(f"frames must be (T, 3, H, W) or (T, H, W), got {arr.shape}")
    rgb = arr.astype(np.float32)
    grey = 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def n_bins(points: int, method: str = "nri_uniform") -> int:
    """Histogram length of an LBP code map: ``2**P`` (default), ``P + 2`` (rotation-invariant
    uniform) or ``P (P - 1) + 3`` (non-rotation-invariant uniform: 59 for P = 8)."""
    if method == "default":
        return 2**points
    if method == "uniform":
        return points + 2
    if method == "nri_uniform":
        return points * (points - 1) + 3
    raise ValueError(f"LBP method must be one of {METHODS}, got {method!r}")


@lru_cache(maxsize=16)
def code_table(points: int, method: str = "nri_uniform") -> np.ndarray:
    """Lookup table from the raw ``P``-bit code to the ``method``'s bin.

    A pattern is uniform when its circular bit string has at most two 0/1 transitions.
    ``nri_uniform`` gives each uniform pattern its own bin (numbered as in scikit-image) and
    all others the last bin; ``uniform`` maps a uniform pattern to its number of 1 bits and the
    others to ``P + 1``.
    """
    raw = np.arange(2**points)
    if method == "default":
        return raw
    bits = (raw[:, None] >> np.arange(points)) & 1
    transitions = (bits != np.roll(bits, -1, axis=1)).sum(axis=1)
    uniform = transitions <= 2
    if method == "uniform":
        return np.where(uniform, bits.sum(axis=1), points + 1)
    if method == "nri_uniform":
        # scikit-image's numbering: 0 for no 1 bit, 1 + (n - 1) P + (P - s) % P for a run of
        # n (1..P-1) ones starting at bit s, P (P - 1) + 1 for all ones, the last bin otherwise
        ones = bits.sum(axis=1)
        start = np.argmax(bits & (1 - np.roll(bits, 1, axis=1)), axis=1)
        table = np.full(raw.size, n_bins(points, method) - 1)
        run = uniform & (ones > 0) & (ones < points)
        table[run] = 1 + (ones[run] - 1) * points + (points - start[run]) % points
        table[uniform & (ones == 0)] = 0
        table[uniform & (ones == points)] = points * (points - 1) + 1
        return table
    raise ValueError(f"LBP method must be one of {METHODS}, got {method!r}")


def _offsets(points: int, radius_a: float, radius_b: float) -> list[tuple[float, float]]:
    angles = 2 * np.pi * np.arange(points) / points
    da = np.round(-radius_a * np.sin(angles), 5)
    db = np.round(radius_b * np.cos(angles), 5)
    return list(zip(da.tolist(), db.tolist()))


def _plane_codes(
    planes: np.ndarray, points: int, radius_a: float, radius_b: float
) -> tuple[np.ndarray, int, int]:
    """Raw codes of the interior of ``(N, A, B)`` planes: ``((N, A - 2 ma, B - 2 mb), ma, mb)``."""
    n, a, b = planes.shape
    ma, mb = math.ceil(radius_a), math.ceil(radius_b)
    if a <= 2 * ma or b <= 2 * mb:
        return np.zeros((n, max(a - 2 * ma, 0), max(b - 2 * mb, 0)), np.int64), ma, mb
    x = planes.astype(np.float64)
    centre = x[:, ma : a - ma, mb : b - mb]
    codes = np.zeros(centre.shape, np.int64)

    def shifted(i: int, j: int) -> np.ndarray:
        return x[:, ma + i : a - ma + i, mb + j : b - mb + j]

    for p, (da, db) in enumerate(_offsets(points, radius_a, radius_b)):
        ia, ib = math.floor(da), math.floor(db)
        fa, fb = da - ia, db - ib
        ja, jb = math.ceil(da), math.ceil(db)
        top = (1 - fb) * shifted(ia, ib) + fb * shifted(ia, jb)
        bottom = (1 - fb) * shifted(ja, ib) + fb * shifted(ja, jb)
        value = (1 - fa) * top + fa * bottom
        codes |= (value - centre >= 0).astype(np.int64) << p
    return codes, ma, mb


def lbp_codes(
    volume: np.ndarray,
    plane: str = "xy",
    *,
    points: int = 8,
    radii: tuple[float, float, float] = (1.0, 1.0, 1.0),
    method: str = "nri_uniform",
) -> np.ndarray:
    """LBP codes of every voxel of a grey ``(T, H, W)`` volume on one plane.

    Args:
        volume: grey frames (uint8, or any real dtype).
        plane: ``"xy"`` (each frame), ``"xt"`` (each row over time) or ``"yt"`` (each column
            over time).
        points: neighbours P on the circle (or ellipse).
        radii: ``(R_x, R_y, R_t)`` in pixels and frames; a plane uses its two axes' radii.
        method: ``"nri_uniform"`` (default), ``"uniform"`` or ``"default"`` (raw codes), as in
            scikit-image.

    Returns:
        ``(T, H, W)`` int64 bins; ``-1`` where the neighbourhood leaves the volume.
    """
    v = np.asarray(volume)
    if v.ndim != 3:
        raise ValueError(f"volume must be (T, H, W), got {v.shape}")
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {tuple(PLANES)}, got {plane!r}")
    if points < 1:
        raise ValueError(f"points must be >= 1, got {points}")
    axis_a, axis_b = PLANES[plane]
    radius = {0: radii[2], 1: radii[1], 2: radii[0]}
    other = 3 - axis_a - axis_b
    planes = np.transpose(v, (other, axis_a, axis_b))
    raw, ma, mb = _plane_codes(planes, points, radius[axis_a], radius[axis_b])
    out = np.full(planes.shape, -1, np.int64)
    if raw.size:
        out[:, ma : planes.shape[1] - ma, mb : planes.shape[2] - mb] = code_table(points, method)[
            raw
        ]
    inverse = np.argsort((other, axis_a, axis_b))
    return np.transpose(out, inverse)


#: How ``LBPTOP.m`` places neighbour ``p`` (angle ``theta = 2 pi p / P``) on each plane: per
#: axis ``(t, y, x)``, the sign and function of ``theta`` scaling the axis's radius, or None for
#: an axis the plane does not span. Bit 0 lies at +x (XY, XT) or at the next frame t + R_t (YT);
#: p = P/4 lies above (XY), at the next frame (XT), or above (YT).
TOP_GEOMETRY: dict[str, tuple[tuple[int, Callable] | None, ...]] = {
    "xy": (None, (-1, np.sin), (1, np.cos)),
    "xt": ((1, np.sin), None, (1, np.cos)),
    "yt": ((1, np.cos), (-1, np.sin), None),
}


def lbptop_margins(radii: tuple[float, float, float]) -> tuple[int, int, int]:
    """Frames and pixels left out at each end of the ``(t, y, x)`` axes: ``LBPTOP.m``'s
    ``TimeLength = R_t`` and ``BorderLength = max(R_x, R_y)`` (rounded up), common to the three
    planes."""
    rx, ry, rt = radii
    border = math.ceil(max(rx, ry))
    return math.ceil(rt), border, border


def lbptop_codes(
    volume: np.ndarray,
    *,
    points: int = 4,
    radii: tuple[float, float, float] = (1.0, 1.0, 4.0),
    method: str = "nri_uniform",
) -> np.ndarray:
    """XY, XT and YT LBP codes of every centre of a grey ``(T, H, W)`` volume's common interior,
    as ``LBPTOP.m`` computes them without interpolation.

    Neighbour ``p`` of centre ``(t, y, x)`` sits at ``(y - R_y sin theta, x + R_x cos theta)`` on
    XY, ``(t + R_t sin theta, x + R_x cos theta)`` on XT and ``(t + R_t cos theta,
    y - R_y sin theta)`` on YT, each coordinate rounded half up (``floor(v + 0.5)`` on the
    1-based coordinate, in the Matlab code's order of operations); ``neighbour >= centre`` sets
    bit ``p`` (weight ``2**p``). The centres are ``t`` in ``[m_t, T - 1 - m_t]`` and ``y``, ``x``
    in ``[m_s, H - 1 - m_s]``, ``[m_s, W - 1 - m_s]`` for every plane (see
    :func:`lbptop_margins`).

    Args:
        volume: grey frames (uint8, or any real dtype).
        points: neighbours P on each plane.
        radii: ``(R_x, R_y, R_t)`` in pixels and frames.
        method: code mapping, as in :func:`lbp_codes` (``"default"``: the raw ``P``-bit codes).

    Returns:
        ``(3, T - 2 m_t, H - 2 m_s, W - 2 m_s)`` int64 bins, planes in the order XY, XT, YT.
    """
    v = np.asarray(volume)
    if v.ndim != 3:
        raise ValueError(f"volume must be (T, H, W), got {v.shape}")
    if points < 1:
        raise ValueError(f"points must be >= 1, got {points}")
    centres = [np.arange(m, n - m) for m, n in zip(lbptop_margins(radii), v.shape)]
    shape = tuple(c.size for c in centres)
    if 0 in shape:
        return np.zeros((3, *shape), np.int64)
    centre = v[np.ix_(*centres)]
    radius = (radii[2], radii[1], radii[0])
    table = code_table(points, method)
    planes = []
    for geometry in TOP_GEOMETRY.values():
        codes = np.zeros(shape, np.int64)
        for p in range(points):
            theta = 2 * np.pi * p / points
            index = [
                c if g is None else np.floor(c + 1.0 + g[0] * (r * g[1](theta)) + 0.5) - 1
                for c, g, r in zip(centres, geometry, radius)
            ]
            neighbour = v[np.ix_(*(i.astype(np.intp) for i in index))]
            codes |= (neighbour >= centre).astype(np.int64) << p
        planes.append(table[codes])
    return np.stack(planes)


def block_index(height: int, width: int, grid: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` block number of every pixel for a ``(rows, cols)`` grid of near-equal blocks
    (row-major)."""
    rows, cols = grid
    if rows < 1 or cols < 1 or rows > height or cols > width:
        raise ValueError(f"grid {grid} does not fit a {height}x{width} image")
    r = np.minimum((np.arange(height) * rows) // height, rows - 1)
    c = np.minimum((np.arange(width) * cols) // width, cols - 1)
    return r[:, None] * cols + c[None, :]


def block_histograms(
    codes: np.ndarray, grid: tuple[int, int], bins: int, *, per_frame: bool = True
) -> np.ndarray:
    """Normalised histograms of a ``(T, H, W)`` code map over a grid of blocks.

    Codes ``< 0`` (no code) are ignored. Each histogram sums to 1 (all zeros for a block with no
    coded pixel).

    Returns:
        ``(T, rows * cols, bins)`` per frame, or ``(rows * cols, bins)`` pooled over all frames
        when ``per_frame`` is False.
    """
    c = np.asarray(codes)
    if c.ndim != 3:
        raise ValueError(f"codes must be (T, H, W), got {c.shape}")
    t, h, w = c.shape
    blocks = block_index(h, w, grid)
    n_blocks = grid[0] * grid[1]
    valid = c >= 0
    if np.any(c >= bins):
        raise ValueError(f"codes hold values >= bins ({bins})")
    key = blocks[None] * bins + np.where(valid, c, 0)
    if per_frame:
        key = key + (np.arange(t) * n_blocks * bins)[:, None, None]
        counts = np.bincount(key[valid], minlength=t * n_blocks * bins)
        hist = counts.reshape(t, n_blocks, bins).astype(np.float64)
    else:
        counts = np.bincount(key[valid], minlength=n_blocks * bins)
        hist = counts.reshape(n_blocks, bins).astype(np.float64)
    total = hist.sum(axis=-1, keepdims=True)
    return np.divide(hist, total, out=np.zeros_like(hist), where=total > 0)


def lbp_features(
    frames: np.ndarray,
    *,
    grid: tuple[int, int] = (6, 6),
    points: int = 8,
    radius: float = 1.0,
    method: str = "nri_uniform",
) -> np.ndarray:
    """Per-frame block LBP histograms of a clip: ``(T, rows * cols, bins)``, each summing to 1.

    ``frames`` is RGB ``(T, 3, H, W)`` or grey ``(T, H, W)`` uint8.
    """
    grey = to_grey(frames)
    codes = lbp_codes(grey, "xy", points=points, radii=(radius, radius, 0.0), method=method)
    return block_histograms(codes, grid, n_bins(points, method))


def lbp_spotting_curve(
    frames: np.ndarray,
    k: int,
    *,
    grid: tuple[int, int] = (6, 6),
    points: int = 8,
    radius: float = 1.0,
    top_fraction: float = 1 / 3,
) -> np.ndarray:
    """The LBP spotting score of every frame of a clip, in [0, 1] (see
    :func:`microexp.baselines.difference.spotting_curve`)."""
    features = lbp_features(frames, grid=grid, points=points, radius=radius)
    return spotting_curve(features, k, top_fraction=top_fraction)
