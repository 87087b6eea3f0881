"""Temporal network: MPNet, the motion pattern network (Tokmakov, Alahari, Schmid, CVPR 2017).

An encoder-decoder on a 2-channel flow field (four 7x7 conv + pool units, two SharpMask-style
refinement units) giving one motion logit per pixel at H/4; :meth:`MPNet.motion_map` averages
the likelihood to H/8 for the joint network. Flow (pixels at the network resolution) is
soft-clipped by :func:`normalise_flow`. Layer sizes are our reading of the MPNet paper
(docs/architecture.md, "Networks").
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from microexp.models.layers import conv2d, scaled

#: Encoder channels at width 1.0 (one 7x7 conv per unit, each followed by 2x2 max pooling).
ENCODER_CHANNELS: tuple[int, ...] = (64, 128, 256, 512)
#: Decoder channels at width 1.0 (refinement units at H/8 and H/4).
DECODER_CHANNELS: tuple[int, ...] = (256, 128)
#: Output stride of the motion logits.
OUTPUT_STRIDE: int = 4


def normalise_flow(flow: torch.Tensor, scale: float = 1.0, clip: float = 5.0) -> torch.Tensor:
    """Flow in pixels -> network input: ``clip * tanh(flow / (scale * clip))``."""
    return torch.tanh(flow / (scale * clip)) * clip


class _Refine(nn.Module):
    """One decoder unit: upsample the coarse map 2x, fuse with a processed skip map."""

    def __init__(self, coarse_ch: int, skip_ch: int, out_ch: int) -> None:
        super().__init__()
        self.skip = conv2d(skip_ch, out_ch, 3, nonlinearity="relu")
        self.fuse = conv2d(coarse_ch + out_ch, out_ch, 3, nonlinearity="relu")

    def forward(self, coarse: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(coarse, size=skip.shape[-2:], mode="nearest")
        s = F.relu(self.skip(skip), inplace=True)
        return F.relu(self.fuse(torch.cat((up, s), dim=1)), inplace=True)


class MPNet(nn.Module):
    """Motion pattern network: flow (B, 2, H, W) in pixels -> motion logits (B, 1, H/4, W/4).

    Args:
        width: channel multiplier (1.0: encoder 64..512, decoder 256, 128).
        kernel_size: encoder kernel size (7).
        flow_scale: pixels mapped to 1.0 before the soft clip.
        flow_clip: soft-clip level of the normalised flow.
    """

    def __init__(
        self,
        width: float = 1.0,
        kernel_size: int = 7,
        flow_scale: float = 1.0,
        flow_clip: float = 5.0,
    ) -> None:
        super().__init__()
        self.flow_scale = flow_scale
        self.flow_clip = flow_clip
        enc = [scaled(c, width) for c in ENCODER_CHANNELS]
        dec = [scaled(c, width) for c in DECODER_CHANNELS]
        in_chs = (2, *enc[:-1])
        self.encoder = nn.ModuleList(
            conv2d(i, o, kernel_size, nonlinearity="relu") for i, o in zip(in_chs, enc)
        )
        # Refinement at H/8 (skip: encoder unit 3 output) then at H/4 (skip: encoder unit 2).
        self.refine = nn.ModuleList(
            [_Refine(enc[3], enc[2], dec[0]), _Refine(dec[0], enc[1], dec[1])]
        )
        self.out = conv2d(dec[1], 1, 1)
        # Channels-last weights: the 64x64 convs run in NHWC, ~1.5x faster with oneDNN on CPU.
        self.to(memory_format=torch.channels_last)

    @property
    def feature_channels(self) -> int:
        """Channels of :meth:`decoder_features` (128 at width 1.0)."""
        return self.out.in_channels

    def decoder_features(self, flow: torch.Tensor) -> torch.Tensor:
        """The last decoder map, before the output layer: (B, 2, H, W) -> (B, C, H/4, W/4)."""
        x = normalise_flow(flow, self.flow_scale, self.flow_clip)
        skips: list[torch.Tensor] = []
        for conv in self.encoder:
            x = F.max_pool2d(F.relu(conv(x), inplace=True), 2)
            skips.append(x)
        x = skips[3]
        for unit, skip in zip(self.refine, (skips[2], skips[1])):
            x = unit(x, skip)
        return x

    def forward(self, flow: torch.Tensor) -> torch.Tensor:
        """Motion logits: (B, 2, H, W) flow in pixels -> (B, 1, H/4, W/4)."""
        return self.out(self.decoder_features(flow))

    def feature_map(self, flow: torch.Tensor) -> torch.Tensor:
        """Decoder features for the joint network: (B, 2, H, W) -> (B, C, H/8, W/8)."""
        return F.avg_pool2d(self.decoder_features(flow), 2)

    def motion_map(self, flow: torch.Tensor) -> torch.Tensor:
        """Motion likelihood for the joint network: (B, 2, H, W) -> (B, 1, H/8, W/8) in [0, 1]."""
        return F.avg_pool2d(torch.sigmoid(self.forward(flow)), 2)
