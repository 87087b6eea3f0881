"""Flow fields as colour images with the Middlebury colour wheel (Baker et al., 2011).

Hue gives the direction and saturation the magnitude: white is no motion, the full colour of the
wheel is ``max_magnitude`` (by default the largest vector of the field); longer vectors are
darkened. Right is red, down is yellow, left is cyan-blue, up is blue-magenta.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

__all__ = ["colour_wheel", "flow_to_rgb"]

# Hues between the primaries of the wheel, and how many wheel entries each transition gets.
_SEGMENTS = (("RY", 15), ("YG", 6), ("GC", 4), ("CB", 11), ("BM", 13), ("MR", 6))


@functools.cache
def colour_wheel() -> np.ndarray:
    """(55, 3) float RGB in [0, 1]: red -> yellow -> green -> cyan -> blue -> magenta -> red."""
    rows = []
    # (channel that ramps, direction, channel held at 1) for each transition
    ramps = {
        "RY": (1, +1, 0),  # red held, green rises
        "YG": (0, -1, 1),  # green held, red falls
        "GC": (2, +1, 1),  # green held, blue rises
        "CB": (1, -1, 2),  # blue held, green falls
        "BM": (0, +1, 2),  # blue held, red rises
        "MR": (2, -1, 0),  # red held, blue falls
    }
    for name, n in _SEGMENTS:
        ramp, sign, held = ramps[name]
        t = np.arange(n) / n
        seg = np.zeros((n, 3))
        seg[:, held] = 1.0
        seg[:, ramp] = t if sign > 0 else 1.0 - t
        rows.append(seg)
    return np.concatenate(rows)


def flow_to_rgb(flow: np.ndarray | torch.Tensor, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code a flow field.

    Args:
        flow: (2, H, W) or (H, W, 2), channel 0 = u (x), 1 = v (y), in pixels.
        max_magnitude: magnitude shown at full colour; default the field's largest (a field of
            zeros is white).

    Returns:
        (H, W, 3) uint8 RGB.
    """
    f = flow.detach().cpu().numpy() if isinstance(flow, torch.Tensor) else np.asarray(flow)
    if f.ndim != 3 or 2 not in (f.shape[0], f.shape[-1]):
        raise ValueError(f"expected a (2, H, W) or (H, W, 2) flow, got {f.shape}")
    # channels first unless only the last axis can be the channel axis
    u, v = (f[0], f[1]) if f.shape[0] == 2 else (f[..., 0], f[..., 1])
    u = np.nan_to_num(u.astype(np.float64))
    v = np.nan_to_num(v.astype(np.float64))
    mag = np.hypot(u, v)
    scale = float(mag.max()) if max_magnitude is None else float(max_magnitude)
    rad = mag / scale if scale > 0 else np.zeros_like(mag)
    wheel = colour_wheel()
    n = len(wheel)
    angle = np.arctan2(-v, -u) / np.pi  # in [-1, 1]; 0 for motion to the left
    fk = (angle + 1.0) / 2.0 * (n - 1)
    k0 = np.floor(fk).astype(int)
    k1 = (k0 + 1) % n
    frac = (fk - k0)[..., None]
    col = (1.0 - frac) * wheel[k0] + frac * wheel[k1]
    inside = (rad <= 1.0)[..., None]
    col = np.where(inside, 1.0 - rad[..., None] * (1.0 - col), col * 0.75)
    return np.clip(np.floor(255.0 * col), 0, 255).astype(np.uint8)
