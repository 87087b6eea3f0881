"""Visual memory (paper §2.2): 1x1 conv -> 256, two FC -> 256, uni-directional GRU, two heads.

``conv_gru=False`` (the paper's text): conv, FC, FC, ``nn.GRU(256, 256)`` over time;
``conv_gru=True`` (the paper's "7x7 convolutions"): conv, a 7x7 convolutional GRU on the map,
then the FC layers. Heads per step: class logits and a sigmoid intensity. Feeding a sequence in
chunks with the carried hidden state gives the same outputs as one call on the whole sequence.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from microexp.models.layers import conv2d, linear, scaled

#: Memory width at width 1.0 (1x1 conv channels, FC size, GRU hidden size, head FC size).
MEMORY_DIM: int = 256


class MemoryOutput(NamedTuple):
    """Per-step outputs of the memory module."""

    logits: torch.Tensor  #: (B, T, num_classes) class logits
    intensity: torch.Tensor  #: (B, T) expression intensity in [0, 1]
    hidden: torch.Tensor  #: last GRU state: (B, D) or, for the ConvGRU, (B, D, h, w)


class ConvGRU(nn.Module):
    """Convolutional GRU (Ballas et al., ICLR 2016) over a sequence of maps.

    z = sigmoid(W_z * x + U_z * h), r = sigmoid(W_r * x + U_r * h),
    n = tanh(W_n * x + U_n * (r . h)), h' = (1 - z) . h + z . n

    The input convolutions of all time steps run in one batched call; only the hidden-state
    convolutions run per step.

    Args:
        in_channels: input channels.
        hidden_channels: hidden-state channels.
        kernel_size: kernel of every convolution (7 in the paper).
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 7) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.hidden_channels = hidden_channels
        self.input_conv = nn.Conv2d(in_channels, 3 * hidden_channels, kernel_size, padding=pad)
        self.gate_conv = nn.Conv2d(hidden_channels, 2 * hidden_channels, kernel_size, padding=pad)
        self.cand_conv = nn.Conv2d(hidden_channels, hidden_channels, kernel_size, padding=pad)

    def forward(
        self, x: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, C, h, w), optional (B, D, h, w) -> all states (B, T, D, h, w), last state."""
        b, t, c, hh, ww = x.shape
        d = self.hidden_channels
        xp = self.input_conv(x.reshape(b * t, c, hh, ww)).view(b, t, 3 * d, hh, ww)
        h = xp.new_zeros(b, d, hh, ww) if hidden is None else hidden.to(xp.dtype)
        states: list[torch.Tensor] = []
        for step in range(t):
            xz, xr, xn = xp[:, step].split(d, dim=1)
            hz, hr = self.gate_conv(h).split(d, dim=1)
            z = torch.sigmoid(xz + hz)
            r = torch.sigmoid(xr + hr)
            n = torch.tanh(xn + self.cand_conv(r * h))
            h = torch.lerp(h, n, z)  # (1 - z) * h + z * n
            states.append(h)
        return torch.stack(states, dim=1), h


def _fc_stack(in_features: int, dim: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        linear(in_features, dim, nonlinearity="relu"),
        nn.ReLU(inplace=True),
        linear(dim, dim, nonlinearity="relu"),
        nn.ReLU(inplace=True),
    )


def _head(dim: int, out_features: int) -> nn.Sequential:
    return nn.Sequential(
        linear(dim, dim, nonlinearity="relu"), nn.ReLU(inplace=True), linear(dim, out_features)
    )


class VisualMemory(nn.Module):
    """Memory module: (B, T, C, h, w) features -> per-step class logits and intensity.

    Args:
        in_channels: channels of the input maps (contrast features + motion map).
        map_size: spatial size (h, w) of the input maps (the FC layers flatten them).
        width: channel multiplier (1.0: 256).
        num_classes: number of expression classes (CASME II 5-class protocol: 5).
        conv_gru: use the 7x7 ConvGRU on the map instead of a GRU on the 256-vector.
        gru_kernel: ConvGRU kernel size.
    """

    def __init__(
        self,
        in_channels: int,
        map_size: int | tuple[int, int],
        width: float = 1.0,
        num_classes: int = 5,
        conv_gru: bool = False,
        gru_kernel: int = 7,
    ) -> None:
        super().__init__()
        h, w = (map_size, map_size) if isinstance(map_size, int) else map_size
        self.map_size = (h, w)
        self.dim = dim = scaled(MEMORY_DIM, width)
        self.conv_gru = conv_gru
        self.reduce = nn.Sequential(
            conv2d(in_channels, dim, 1, nonlinearity="relu"), nn.ReLU(inplace=True)
        )
        self.fc = _fc_stack(dim * h * w, dim)
        self.gru: nn.Module = (
            ConvGRU(dim, dim, gru_kernel) if conv_gru else nn.GRU(dim, dim, batch_first=True)
        )
        self.class_head = _head(dim, num_classes)
        self.intensity_head = _head(dim, 1)

    def forward(self, x: torch.Tensor, hidden: torch.Tensor | None = None) -> MemoryOutput:
        """(B, T, C, h, w), optional hidden state -> :class:`MemoryOutput`."""
        b, t, c, h, w = x.shape
        if (h, w) != self.map_size:
            raise ValueError(f"expected {self.map_size} maps, got {(h, w)}")
        z = self.reduce(x.reshape(b * t, c, h, w))
        if self.conv_gru:
            states, last = self.gru(z.view(b, t, self.dim, h, w), hidden)
            vec = self.fc(states.reshape(b * t, self.dim, h, w))
        else:
            seq = self.fc(z).view(b, t, self.dim)
            h0 = None if hidden is None else hidden.unsqueeze(0).contiguous()
            out, hn = self.gru(seq, h0)
            vec, last = out.reshape(b * t, self.dim), hn.squeeze(0)
        logits = self.class_head(vec).view(b, t, -1)
        intensity = torch.sigmoid(self.intensity_head(vec)).view(b, t)
        return MemoryOutput(logits, intensity, last)
