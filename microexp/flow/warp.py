"""Image gradients and the bicubic warp of TV-L1, sampled as OpenCV samples them."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["FLT_EPSILON", "centred_gradient", "warp_canvas", "warp_constants"]

FLT_EPSILON = 1.1920928955078125e-07  # std::numeric_limits<float>::epsilon()


def centred_gradient(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """OpenCV's centredGradient: (I[x+1] - I[x-1]) / 2 inside, one-sided halves at borders."""
    p = F.pad(img[:, None], (1, 1, 1, 1), mode="replicate")[:, 0]
    dx = 0.5 * (p[:, 1:-1, 2:] - p[:, 1:-1, :-2])
    dy = 0.5 * (p[:, 2:, 1:-1] - p[:, :-2, 1:-1])
    return dx, dy


def _canvas(n: int) -> int:
    """Smallest ``2**m + 1 >= n``: sampling a canvas of that size is exact at integer points."""
    return (1 << max(1, (n - 2).bit_length())) + 1


def warp_canvas(src: torch.Tensor) -> torch.Tensor:
    """``src`` (B, C, H, W) zero-padded on the right and bottom to a :func:`_canvas` size.

    ``grid_sample`` (align_corners=True) maps a normalised coordinate g to ``(g + 1) * (n - 1)
    / 2``; with ``n - 1`` a power of two every step is exact for whole pixel positions, so zero
    flow samples the image exactly, as ``cv2.remap`` does. (With other sizes the rounding error,
    about 1e-6 px, is enough for the warps to grow a spurious flow of 0.1 px at the borders of
    two identical frames.) The padding is zeros, like remap's BORDER_CONSTANT.
    """
    h, w = src.shape[-2:]
    return F.pad(src, (0, _canvas(w) - w, 0, _canvas(h) - h))


def warp_constants(
    canvas: torch.Tensor, i0: torch.Tensor, u1: torch.Tensor, u2: torch.Tensor
) -> list[torch.Tensor]:
    """Warp I1 and its gradients at x + u; returns the per-warp constants (ix, iy, ig, rc).

    ``canvas`` is :func:`warp_canvas` of (I1, I1x, I1y) stacked as channels; bicubic
    interpolation (a = -0.75) with zeros outside the image, like ``cv2.remap(INTER_CUBIC)``.
    ``ig`` = 1 / |grad|^2, zero where OpenCV's test ``|grad|^2 > FLT_EPSILON`` fails; ``rc`` is
    the constant part of the residual, ``I1w - ix * u1 - iy * u2 - I0``.
    """
    b, h, w = u1.shape
    hc, wc = canvas.shape[-2:]
    xs = torch.arange(w, device=u1.device, dtype=torch.float32)
    ys = torch.arange(h, device=u1.device, dtype=torch.float32)[:, None]
    gx = (xs + u1) * (2.0 / (wc - 1)) - 1.0  # exact scalings: wc - 1 is a power of two
    gy = (ys + u2) * (2.0 / (hc - 1)) - 1.0
    warped = F.grid_sample(
        canvas, torch.stack([gx, gy], -1), mode="bicubic", padding_mode="zeros", align_corners=True
    )
    i1w, ix, iy = warped[:, 0], warped[:, 1].contiguous(), warped[:, 2].contiguous()
    grad = ix * ix + iy * iy
    ig = torch.where(grad > FLT_EPSILON, 1.0 / grad.clamp_min(FLT_EPSILON), 0.0)
    rc = i1w - ix * u1 - iy * u2 - i0
    return [ix, iy, ig, rc]
