"""Head motion in a flow field: a similarity transform (rotation, scale, translation) fitted by
least squares to the flow over the face region, and removed.

The displacement of a similarity about the image centre c is linear in the pixel position:
``d(p) = [[a, -b], [b, a]] (p - c) + t``, with ``a = s cos(r) - 1``, ``b = s sin(r)``. Its four
parameters are fitted to the flow inside an ellipse inscribed in the frame (the face) and
refitted on the pixels that agree with the fit, so that neither an expression (a local motion
over part of the face) nor static background inside the ellipse pulls it, as long as the head's
own motion covers most of the ellipse. Everything is vectorised over the fields.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FACE_ELLIPSE", "face_region", "fit_head_motion", "head_field", "remove_head_motion"]

#: The face region: the ellipse inscribed in the frame, shrunk to this fraction of its axes.
FACE_ELLIPSE = 0.9

#: Residuals below this (pixels) are always inliers (noise-free fields fit exactly).
_FLOOR = 0.01


def face_region(height: int, width: int, fraction: float = FACE_ELLIPSE) -> np.ndarray:
    """``(H, W)`` bool: the ellipse centred in the frame with half-axes ``fraction * W / 2``
    and ``fraction * H / 2``."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    nx = (xs - (width - 1) / 2) / (fraction * width / 2)
    ny = (ys - (height - 1) / 2) / (fraction * height / 2)
    return nx * nx + ny * ny <= 1.0


def _centred(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    return xs - (width - 1) / 2, ys - (height - 1) / 2


def _solve(x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray):
    """Weighted least squares of the four parameters, one system per field: ``(T, 4)``."""
    s, sx, sy = w.sum(1), (w * x).sum(1), (w * y).sum(1)
    sr = (w * (x * x + y * y)).sum(1)
    zero = np.zeros_like(s)
    lhs = np.stack(
        [
            np.stack([sr, zero, sx, sy], -1),
            np.stack([zero, sr, -sy, sx], -1),
            np.stack([sx, -sy, s, zero], -1),
            np.stack([sy, sx, zero, s], -1),
        ],
        -2,
    )
    rhs = np.stack(
        [
            (w * (x * u + y * v)).sum(1),
            (w * (x * v - y * u)).sum(1),
            (w * u).sum(1),
            (w * v).sum(1),
        ],
        -1,
    )
    return np.linalg.solve(lhs, rhs[..., None])[..., 0]


def fit_head_motion(
    flow: np.ndarray,
    region: np.ndarray | None = None,
    *,
    trims: int = 3,
    keep: float = 0.5,
    cut: float = 2.5,
) -> np.ndarray:
    """The similarity of each field: ``(T, 2, H, W)`` flow -> ``(T, 4)`` float32 ``[a, b, tx,
    ty]`` (see the module docstring).

    A least-squares fit over the region, ``trims`` refits on the ``keep`` fraction of its pixels
    with the smallest residuals (least trimmed squares: the majority motion wins), and a last
    refit on every pixel whose residual is at most ``cut`` times the median residual (or
    0.01 px).

    Args:
        flow: fields in pixels (any float dtype).
        region: ``(H, W)`` bool, the pixels fitted (default: :func:`face_region`).
    """
    f = np.asarray(flow)
    if f.ndim != 4 or f.shape[1] != 2:
        raise ValueError(f"flow must be (T, 2, H, W), got {f.shape}")
    n, _, h, w = f.shape
    if n == 0:
        return np.zeros((0, 4), np.float32)
    region = face_region(h, w) if region is None else np.asarray(region, bool)
    xs, ys = _centred(h, w)
    x, y = xs[region][None], ys[region][None]
    u = f[:, 0][:, region].astype(np.float64)
    v = f[:, 1][:, region].astype(np.float64)
    p = _solve(x, y, u, v, np.ones_like(u))
    for r in range(trims + 1):
        a, b, tx, ty = (p[:, i, None] for i in range(4))
        res = np.hypot(u - (a * x - b * y + tx), v - (b * x + a * y + ty))
        if r < trims:
            limit = np.quantile(res, keep, axis=1, keepdims=True)
        else:
            limit = cut * np.median(res, axis=1, keepdims=True)
        p = _solve(x, y, u, v, (res <= np.maximum(limit, _FLOOR)).astype(np.float64))
    return p.astype(np.float32)


def head_field(params: np.ndarray, height: int, width: int) -> np.ndarray:
    """The displacement fields of ``(T, 4)`` similarities: ``(T, 2, H, W)`` float32."""
    p = np.asarray(params, np.float32)
    xs, ys = (c.astype(np.float32) for c in _centred(height, width))
    a, b, tx, ty = (p[:, i, None, None] for i in range(4))
    return np.stack([a * xs - b * ys + tx, b * xs + a * ys + ty], 1)


def remove_head_motion(flow: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
    """``flow`` ``(T, 2, H, W)`` minus its head motion (fitted when ``params`` is None):
    float32."""
    f = np.asarray(flow, np.float32)
    if params is None:
        params = fit_head_motion(f)
    return f - head_field(params, f.shape[-2], f.shape[-1])
