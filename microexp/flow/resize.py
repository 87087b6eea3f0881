"""Shrink flow fields computed at ``data.flow_size`` to the network's input size: each channel
area-averaged (as ``cv2.INTER_AREA`` on an integer factor) and the vectors scaled by the change
of pixel size, so a field of 2 px at 128 x 128 becomes 1 px at 64 x 64."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["resize_flow"]


def resize_flow(flow: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """``(B, 2, H, W)`` flow in pixels -> ``(B, 2, h, w)`` in pixels of the smaller grid.

    Each output pixel averages the input pixels it covers (``mode="area"``); u is multiplied by
    ``w / W`` and v by ``h / H``. The same size returns ``flow`` itself.
    """
    if flow.dim() != 4 or flow.shape[1] != 2:
        raise ValueError(f"flow must be (B, 2, H, W), got {tuple(flow.shape)}")
    h, w = (size, size) if isinstance(size, int) else size
    big_h, big_w = flow.shape[-2:]
    if (h, w) == (big_h, big_w):
        return flow
    if h > big_h or w > big_w:
        raise ValueError(f"flow is resized down only: {big_h}x{big_w} -> {h}x{w}")
    out = F.interpolate(flow, size=(h, w), mode="area")
    scale = torch.tensor([w / big_w, h / big_h], dtype=out.dtype, device=out.device)
    return out * scale[None, :, None, None]
