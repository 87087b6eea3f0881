"""Context-contrast module (paper eqs. 1-3), after Ding et al., CVPR 2018 (CCL).

For spatial feature maps ``FM_t`` and ``FM_t+1``, with ``M_l`` a 3x3 convolution (local) and
``M_c`` a 3x3 average pool then a dilated 3x3 convolution (context), shared by both frames::

  F_L1-C2 = M_l(FM_t)   - M_c(FM_t+1)            (1)
  F_L1-L2 = M_l(FM_t)   - M_l(FM_t+1)            (2)
  F_L2-C1 = M_l(FM_t+1) - M_c(FM_t)              (3)

Fusion: ``[FM_t, F_L1-C2, F_L1-L2, F_L2-C1]`` -> 1x1 conv -> C channels -> ReLU.
"""

from __future__ import annotations

import torch
from torch import nn

from microexp.models.layers import conv2d


class ContextContrast(nn.Module):
    """Time-contrasted features of frame pairs.

    Args:
        channels: channels C of the spatial feature maps.
        out_channels: channels of the fused output (default C).
        context_dilation: dilation of the context conv of ``M_c``.
        pool_size: kernel of the context average pooling (stride 1, 'same' padding).
    """

    def __init__(
        self,
        channels: int,
        out_channels: int | None = None,
        context_dilation: int = 2,
        pool_size: int = 3,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels or channels
        self.local = conv2d(channels, channels, 3)
        self.context = nn.Sequential(
            nn.AvgPool2d(pool_size, stride=1, padding=pool_size // 2, count_include_pad=False),
            conv2d(channels, channels, 3, dilation=context_dilation),
        )
        self.fuse = conv2d(4 * channels, self.out_channels, 1, nonlinearity="relu")
        self.act = nn.ReLU(inplace=True)

    def _fuse(
        self,
        fm_t: torch.Tensor,
        local_t: torch.Tensor,
        context_t: torch.Tensor,
        local_t1: torch.Tensor,
        context_t1: torch.Tensor,
    ) -> torch.Tensor:
        stacked = torch.cat(
            (fm_t, local_t - context_t1, local_t - local_t1, local_t1 - context_t), dim=1
        )
        return self.act(self.fuse(stacked))

    def forward(self, fm_t: torch.Tensor, fm_t1: torch.Tensor) -> torch.Tensor:
        """One pair: two (B, C, h, w) maps -> (B, out_channels, h, w)."""
        both = torch.cat((fm_t, fm_t1), dim=0)
        local, context = self.local(both), self.context(both)
        b = fm_t.shape[0]
        return self._fuse(fm_t, local[:b], context[:b], local[b:], context[b:])

    def forward_sequence(self, fm: torch.Tensor) -> torch.Tensor:
        """All consecutive pairs: (B, T+1, C, h, w) -> (B, T, out_channels, h, w)."""
        b, t1, c, h, w = fm.shape
        if t1 < 2:
            raise ValueError(f"need at least 2 frames, got {t1}")
        flat = fm.reshape(b * t1, c, h, w)
        local = self.local(flat).view(b, t1, c, h, w)
        context = self.context(flat).view(b, t1, c, h, w)
        t = t1 - 1

        def pairs(x: torch.Tensor, start: int) -> torch.Tensor:
            return x[:, start : start + t].reshape(b * t, c, h, w)

        out = self._fuse(
            pairs(fm, 0), pairs(local, 0), pairs(context, 0), pairs(local, 1), pairs(context, 1)
        )
        return out.view(b, t, self.out_channels, h, w)
