"""2x3 affine matrices (pixel coordinates, ``x' = M @ [x, y, 1]``): composition, the least-squares
fit of a motion model to point pairs, the similarity that maps one box onto another, and how
much of a warped box stays inside the frame."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from microexp.data.face import Box

Motion = Literal["translation", "similarity", "affine"]
MOTIONS: tuple[Motion, ...] = ("translation", "similarity", "affine")


def identity() -> np.ndarray:
    return np.eye(2, 3)


def homogeneous(m: np.ndarray) -> np.ndarray:
    """A 2x3 matrix as 3x3 (last row ``0 0 1``)."""
    return np.vstack([m, [0.0, 0.0, 1.0]])


def compose(*ms: np.ndarray) -> np.ndarray:
    """``compose(a, b, c)`` applies ``c`` first, then ``b``, then ``a`` (2x3 in, 2x3 out)."""
    out = np.eye(3)
    for m in ms:
        out = out @ homogeneous(m)
    return out[:2]


def invert(m: np.ndarray) -> np.ndarray:
    return np.linalg.inv(homogeneous(m))[:2]


def scaling(s: float, x0: float = 0.0, y0: float = 0.0) -> np.ndarray:
    """``x -> x0 + s * x`` (and the same for y)."""
    return np.array([[s, 0.0, x0], [0.0, s, y0]])


def apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` points."""
    return points @ m[:, :2].T + m[:, 2]


def fit_motion(src: np.ndarray, dst: np.ndarray, motion: Motion) -> np.ndarray:
    """The least-squares ``motion`` mapping ``src`` to ``dst`` (``(N, 2)`` point arrays)."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    if motion == "translation":
        t = (dst - src).mean(axis=0)
        return np.array([[1.0, 0.0, t[0]], [0.0, 1.0, t[1]]])
    n = len(src)
    ones, zeros = np.ones(n), np.zeros(n)
    x, y = src[:, 0], src[:, 1]
    if motion == "similarity":  # [a -b tx; b a ty]
        rows_x = np.stack([x, -y, ones, zeros], axis=1)
        rows_y = np.stack([y, x, zeros, ones], axis=1)
        a, b, tx, ty = np.linalg.lstsq(
            np.concatenate([rows_x, rows_y]), np.concatenate([dst[:, 0], dst[:, 1]]), rcond=None
        )[0]
        return np.array([[a, -b, tx], [b, a, ty]])
    if motion == "affine":
        design = np.stack([x, y, ones], axis=1)
        coef = np.linalg.lstsq(design, dst, rcond=None)[0]  # (3, 2)
        return coef.T.copy()
    raise ValueError(f"unknown motion {motion!r}; expected one of {MOTIONS}")


def nearest_similarity(m: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """The similarity closest to the affine ``m`` that maps ``centre`` where ``m`` does."""
    a = (m[0, 0] + m[1, 1]) / 2.0
    b = (m[1, 0] - m[0, 1]) / 2.0
    lin = np.array([[a, -b], [b, a]])
    c = np.asarray(centre, np.float64)
    t = apply(m, c[None])[0] - lin @ c
    return np.hstack([lin, t[:, None]])


def box_to_box(src: Box, dst: Box) -> np.ndarray:
    """The scale + translation that maps box ``src`` onto ``dst`` (centres and mean size)."""
    s = math.sqrt(max(dst.area, 1) / max(src.area, 1))
    sx, sy = (src.x0 + src.x1) / 2.0, (src.y0 + src.y1) / 2.0
    dx, dy = (dst.x0 + dst.x1) / 2.0, (dst.y0 + dst.y1) / 2.0
    return np.array([[s, 0.0, dx - s * sx], [0.0, s, dy - s * sy]])


def scale_of(m: np.ndarray) -> float:
    """The mean linear scale of ``m`` (square root of its determinant)."""
    return math.sqrt(abs(float(np.linalg.det(m[:, :2]))))


def angle_of(m: np.ndarray) -> float:
    """The rotation of ``m`` in degrees, as ``cv2.getRotationMatrix2D`` counts it (positive:
    counter-clockwise on screen)."""
    return math.degrees(math.atan2(m[0, 1] - m[1, 0], m[0, 0] + m[1, 1]))


def inside_fraction(m: np.ndarray, box: Box, shape: tuple[int, ...], grid: int = 8) -> float:
    """The fraction of ``box`` (sampled on a ``grid`` x ``grid`` lattice) that ``m`` maps inside
    an image of ``shape``."""
    h, w = shape[:2]
    xs = np.linspace(box.x0, box.x1 - 1, grid)
    ys = np.linspace(box.y0, box.y1 - 1, grid)
    pts = apply(m, np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2))
    ok = (pts[:, 0] >= 0) & (pts[:, 0] <= w - 1) & (pts[:, 1] >= 0) & (pts[:, 1] <= h - 1)
    return float(ok.mean())
