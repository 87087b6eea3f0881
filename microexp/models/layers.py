"""Small building blocks shared by the networks: channel scaling and Xavier-initialised layers.

Every convolution and linear layer outside the GRU is created through :func:`conv2d` or
:func:`linear`, which apply Xavier (Glorot) uniform initialisation with the gain of the
non-linearity that follows the layer (``torch.nn.init.calculate_gain``: sqrt(2) before ReLU,
5/3 before tanh, 1 otherwise) and zero biases. With the ReLU gain, Glorot's variance
2 / (fan_in + fan_out) becomes He's 2 / fan_in when fan_in == fan_out, which keeps the 16-layer
VGG trunk trainable from scratch (no pretrained weights exist here).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

#: Width used by the CPU default configuration (channel counts are a quarter of the paper's).
CPU_WIDTH: float = 0.25
#: No scaled layer gets fewer channels than this.
MIN_CHANNELS: int = 4

Nonlinearity = Literal["relu", "tanh", "sigmoid", "linear"]


def scaled(channels: int, width: float, floor: int = MIN_CHANNELS) -> int:
    """Scale a channel count of the paper's network by ``width``, rounded, at least ``floor``."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    return max(floor, int(math.floor(channels * width + 0.5)))


def xavier_(module: nn.Module, nonlinearity: Nonlinearity = "linear") -> nn.Module:
    """Xavier-uniform initialise ``module.weight`` (gain of ``nonlinearity``), zero its bias."""
    weight = getattr(module, "weight", None)
    if weight is not None:
        nn.init.xavier_uniform_(weight, gain=nn.init.calculate_gain(nonlinearity))
    bias = getattr(module, "bias", None)
    if bias is not None:
        nn.init.zeros_(bias)
    return module


def conv2d(
    in_channels: int,
    out_channels: int,
    kernel_size: int = 3,
    *,
    dilation: int = 1,
    nonlinearity: Nonlinearity = "linear",
    bias: bool = True,
) -> nn.Conv2d:
    """A stride-1 'same' convolution (padding = dilation * (k - 1) / 2), Xavier-initialised."""
    padding = dilation * (kernel_size - 1) // 2
    conv = nn.Conv2d(
        in_channels, out_channels, kernel_size, padding=padding, dilation=dilation, bias=bias
    )
    xavier_(conv, nonlinearity)
    return conv


def linear(
    in_features: int, out_features: int, *, nonlinearity: Nonlinearity = "linear"
) -> nn.Linear:
    """A Xavier-initialised fully connected layer."""
    return xavier_(nn.Linear(in_features, out_features), nonlinearity)  # type: ignore[return-value]


def to_unit_float(frames: torch.Tensor) -> torch.Tensor:
    """Frames as floats in [0, 1]: uint8 is divided by 255, floating tensors pass unchanged."""
    if frames.dtype == torch.uint8:
        return frames.float().div_(255.0)
    if not frames.is_floating_point():
        raise TypeError(f"frames must be uint8 or floating point, got {frames.dtype}")
    return frames


def freeze_(module: nn.Module) -> nn.Module:
    """Stop gradients to every parameter of ``module`` and put it in eval mode."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()
