"""Global brightness matching of a frame pair before TV-L1.

TV-L1 assumes brightness constancy; a lighting change between the two frames (flicker, which
accumulates when every frame is compared with the clip's first) turns into spurious flow over
the whole face. The later frame's grey levels are scaled so that its mean equals the earlier
frame's: a global gain, which leaves the motion alone.
"""

from __future__ import annotations

import torch

from microexp.flow.convert import check_pair, to_grey

__all__ = ["match_brightness"]


def match_brightness(prev: torch.Tensor, nxt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C, H, W) pairs (uint8 or float, 0-255) -> their grey levels ``(B, 1, H, W)`` float32,
    the later frame's multiplied by the ratio of the two frames' mean levels."""
    check_pair(prev, nxt)
    g0, g1 = to_grey(prev), to_grey(nxt)
    gain = g0.mean((1, 2), keepdim=True) / g1.mean((1, 2), keepdim=True).clamp(min=1e-3)
    return g0[:, None], (g1 * gain)[:, None]
