"""The image pyramid of TV-L1 as OpenCV builds it: ``INTER_LINEAR`` resizing and level sizes."""

from __future__ import annotations

import functools
import math

import torch

from microexp.flow.params import TVL1Params

__all__ = ["MIN_LEVEL", "pyramid_sizes", "resize_linear"]

MIN_LEVEL = 16  # OpenCV drops pyramid levels narrower or shorter than this


@functools.lru_cache(maxsize=256)
def _resize_matrix(n_in: int, n_out: int, scale: float, device: str) -> torch.Tensor:
    """(n_out, n_in) matrix of OpenCV's INTER_LINEAR resize along one axis.

    ``scale`` is source pixels per destination pixel (OpenCV's ``1 / inv_scale``): the source
    coordinate of destination pixel ``d`` is ``(d + 0.5) * scale - 0.5``, clamped to the image.
    """
    m = torch.zeros(n_out, n_in, dtype=torch.float64)
    for d in range(n_out):
        s = (d + 0.5) * scale - 0.5
        s0 = math.floor(s)
        f = s - s0
        if s0 < 0:
            s0, f = 0, 0.0
        if s0 >= n_in - 1:
            s0, f = n_in - 1, 0.0
        m[d, s0] += 1.0 - f
        if f:
            m[d, s0 + 1] += f
    return m.to(device=device, dtype=torch.float32)


def resize_linear(
    x: torch.Tensor, size: tuple[int, int], scale: tuple[float, float] | None = None
) -> torch.Tensor:
    """Resize (..., H, W) to ``size`` like ``cv2.resize(INTER_LINEAR)``.

    ``scale`` = (sy, sx), source pixels per destination pixel; by default the size ratio (as
    OpenCV does when given ``dsize``); pass ``1 / fx`` to mimic a call made with ``fx, fy``.
    """
    h, w = x.shape[-2:]
    sy, sx = scale if scale is not None else (h / size[0], w / size[1])
    dev = str(x.device)
    my = _resize_matrix(h, size[0], float(sy), dev)
    mx = _resize_matrix(w, size[1], float(sx), dev)
    return my @ x @ mx.T


def pyramid_sizes(height: int, width: int, params: TVL1Params) -> list[tuple[int, int]]:
    """Level sizes, finest first, as OpenCV computes them (levels under 16 px dropped)."""
    sizes = [(height, width)]
    for _ in range(1, params.nscales):
        h, w = sizes[-1]
        nh, nw = round(h * params.scale_step), round(w * params.scale_step)
        if nh < MIN_LEVEL or nw < MIN_LEVEL:
            break
        sizes.append((nh, nw))
    return sizes
