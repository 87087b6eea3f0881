"""Spatial network: DeepLab-LargeFOV on VGG16 (Chen et al., ICLR 2015, arXiv 1412.7062).

VGG16 conv1-conv5 (conv5 dilated 2, pool4/pool5 stride 1: output stride 8), fc6 3x3 dilated
(``fc6_dilation``) -> 1024, fc7 1x1 -> 1024, fc8 -> one logit per pixel (the ``spatial`` stage
segments moving facial regions). The joint network reads fc6 (after ReLU, before dropout)
through :class:`SpatialFeatureHead` (1024 -> 256 -> 128, tanh). Input: float RGB in [0, 1],
normalised inside. The layer table and choices are in docs/architecture.md ("Networks").
"""

from __future__ import annotations

import torch
from torch import nn

from microexp.models.layers import conv2d, scaled

#: Fixed RGB normalisation constants (ImageNet statistics), applied to [0, 1] inputs.
RGB_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
RGB_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

#: VGG16 blocks: (number of convs, channels at width 1.0).
VGG16_BLOCKS: tuple[tuple[int, int], ...] = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
#: fc6 / fc7 channels at width 1.0.
FC_CHANNELS: int = 1024
#: Channels of the reduced spatial feature map at width 1.0 (paper: 128).
FEATURE_CHANNELS: int = 128
#: Hidden channels of the feature reducer at width 1.0 (not given in the paper).
REDUCER_HIDDEN: int = 256
#: Output stride of the network.
OUTPUT_STRIDE: int = 8


def _vgg_block(
    in_ch: int, out_ch: int, n_convs: int, dilation: int, batch_norm: bool
) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n_convs):
        layers.append(
            conv2d(in_ch if i == 0 else out_ch, out_ch, 3, dilation=dilation, nonlinearity="relu")
        )
        if batch_norm:
            layers.append(nn.BatchNorm2d(out_ch))
        layers.append(nn.ReLU(inplace=True))
    return layers


class DeepLabLargeFOV(nn.Module):
    """DeepLab-LargeFOV (VGG16 trunk) with a one-logit per-pixel segmentation head.

    Args:
        width: channel multiplier (1.0 = the paper: VGG 64..512, fc6/fc7 1024).
        fc6_dilation: dilation of the 3x3 fc6 convolution (DeepLab-LargeFOV: 12).
        dropout: dropout probability after fc6 and fc7 (DeepLab: 0.5).
        avg_pool5: add DeepLab v2's 3x3 stride-1 average pooling after pool5.
        batch_norm: BatchNorm after each VGG conv (not in DeepLab).
        num_outputs: logits per pixel of the segmentation head (1: moving region or not).
    """

    def __init__(
        self,
        width: float = 1.0,
        fc6_dilation: int = 12,
        dropout: float = 0.5,
        avg_pool5: bool = False,
        batch_norm: bool = False,
        num_outputs: int = 1,
    ) -> None:
        super().__init__()
        self.width = width
        self.fc6_dilation = fc6_dilation
        layers: list[nn.Module] = []
        in_ch = 3
        for index, (n_convs, channels) in enumerate(VGG16_BLOCKS):
            out_ch = scaled(channels, width)
            dilation = 2 if index == 4 else 1
            layers += _vgg_block(in_ch, out_ch, n_convs, dilation, batch_norm)
            stride = 2 if index < 3 else 1
            layers.append(nn.MaxPool2d(3, stride=stride, padding=1))
            in_ch = out_ch
        if avg_pool5:
            layers.append(nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=True))
        self.vgg = nn.Sequential(*layers)
        self.fc_channels = scaled(FC_CHANNELS, width)
        self.fc6 = conv2d(in_ch, self.fc_channels, 3, dilation=fc6_dilation, nonlinearity="relu")
        self.relu6 = nn.ReLU(inplace=True)
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            conv2d(self.fc_channels, self.fc_channels, 1, nonlinearity="relu"),  # fc7
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            conv2d(self.fc_channels, num_outputs, 1),  # fc8
        )
        self.register_buffer("rgb_mean", torch.tensor(RGB_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("rgb_std", torch.tensor(RGB_STD).view(1, 3, 1, 1), persistent=False)
        # Channels-last weights: the 64x64 convs run in NHWC, ~1.5x faster with oneDNN on CPU.
        self.to(memory_format=torch.channels_last)

    def fc6_features(self, images: torch.Tensor) -> torch.Tensor:
        """fc6 activations (after ReLU): (B, 3, H, W) in [0, 1] -> (B, 1024*width, H/8, W/8)."""
        x = (images - self.rgb_mean) / self.rgb_std
        return self.relu6(self.fc6(self.vgg(x)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Segmentation logits: (B, 3, H, W) in [0, 1] -> (B, num_outputs, H/8, W/8)."""
        return self.head(self.fc6_features(images))


class SpatialFeatureHead(nn.Module):
    """fc6 features -> 128 x H/8 x W/8 (width 1.0): 1x1 conv, tanh, 1x1 conv, tanh.

    Args:
        in_channels: fc6 channels (``DeepLabLargeFOV.fc_channels``).
        width: channel multiplier (1.0: hidden 256, output 128).
    """

    def __init__(self, in_channels: int, width: float = 1.0) -> None:
        super().__init__()
        hidden = scaled(REDUCER_HIDDEN, width)
        self.out_channels = scaled(FEATURE_CHANNELS, width)
        self.layers = nn.Sequential(
            conv2d(in_channels, hidden, 1, nonlinearity="tanh"),
            nn.Tanh(),
            conv2d(hidden, self.out_channels, 1, nonlinearity="tanh"),
            nn.Tanh(),
        )

    def forward(self, fc6: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, h, w) -> (B, out_channels, h, w) in (-1, 1)."""
        return self.layers(fc6)
