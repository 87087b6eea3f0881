"""Input checks and colour to grey conversion shared by the flow backends."""

from __future__ import annotations

import torch

__all__ = ["check_pair", "to_grey"]

# cv2.cvtColor(RGB2GRAY) on uint8: fixed point with 15 fractional bits and rounding (this is
# what OpenCV 5 computes, bit for bit; tests/flow compare against cv2.cvtColor itself).
_R_U8, _G_U8, _B_U8, _SHIFT_U8 = 9798, 19235, 3735, 15
# ... and on float32: these coefficients, no rounding.
_R_F, _G_F, _B_F = 0.299, 0.587, 0.114


def check_pair(prev: torch.Tensor, next_: torch.Tensor) -> None:
    """Raise ValueError unless ``prev`` and ``next_`` are matching (B, C, H, W), C in {1, 3}."""
    if prev.shape != next_.shape:
        shapes = f"{tuple(prev.shape)} vs {tuple(next_.shape)}"
        raise ValueError(f"prev and next differ in shape: {shapes}")
    if prev.dim() != 4 or prev.shape[1] not in (1, 3):
        raise ValueError(f"expected (B, C, H, W) with C = 1 or 3, got {tuple(prev.shape)}")
    if prev.dtype != next_.dtype:
        raise ValueError(f"prev and next differ in dtype: {prev.dtype} vs {next_.dtype}")
    if prev.shape[-1] < 3 or prev.shape[-2] < 3:
        raise ValueError(f"images must be at least 3x3, got {tuple(prev.shape[-2:])}")


def to_grey(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) uint8 or float on the 0-255 scale -> (B, H, W) float32 grey, 0-255.

    RGB is converted exactly as ``cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)`` does for the same dtype
    (uint8: fixed-point with rounding to an integer level; float: plain weighted sum).
    """
    if x.shape[1] == 1:
        return x[:, 0].to(torch.float32)
    if x.dtype == torch.uint8:
        xi = x.to(torch.int32)
        g = (
            xi[:, 0] * _R_U8 + xi[:, 1] * _G_U8 + xi[:, 2] * _B_U8 + (1 << (_SHIFT_U8 - 1))
        ) >> _SHIFT_U8
        return g.to(torch.float32)
    xf = x.to(torch.float32)
    return xf[:, 0] * _R_F + xf[:, 1] * _G_F + xf[:, 2] * _B_F
