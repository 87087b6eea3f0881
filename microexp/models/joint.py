"""The joint network: spatial + temporal backbones, context contrast, visual memory (paper Fig. 1).

For a window of T+1 frames and the T flows between them: fc6 features of every frame reduced by
:class:`~microexp.models.spatial.SpatialFeatureHead`, context contrast on each pair (t, t+1),
MPNet's motion map of each flow, both concatenated into the memory module; step t's outputs
belong to the transition from frame t to frame t+1. Frozen backbones stay in eval mode and run
under ``torch.no_grad()``; the spatial head's fc7/fc8 are never used here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import NamedTuple

import torch
from torch import nn

from microexp.models.contrast import ContextContrast
from microexp.models.layers import CPU_WIDTH, freeze_, to_unit_float
from microexp.models.memory import VisualMemory
from microexp.models.spatial import OUTPUT_STRIDE, DeepLabLargeFOV, SpatialFeatureHead
from microexp.models.temporal import MPNet

log = logging.getLogger(__name__)

__all__ = ["CPU_WIDTH", "ClipInference", "JointNet", "JointOutput", "infer_clip", "infer_windows"]


class JointOutput(NamedTuple):
    """Outputs of :class:`JointNet` for T transitions."""

    logits: torch.Tensor  #: (B, T, num_classes) class logits
    intensity: torch.Tensor  #: (B, T) intensity in [0, 1]
    hidden: torch.Tensor  #: GRU state to carry into the next chunk


class JointNet(nn.Module):
    """Micro-expression spotting and recognition network.

    Args:
        width: channel multiplier for every module (1.0 = the paper).
        num_classes: expression classes (5).
        image_size: input frame size, int or (H, W), a multiple of 8 (64).
        fc6_dilation: dilation of DeepLab's fc6 (12; at 64x64 its taps fall in padding).
        conv_gru: use the 7x7 ConvGRU memory instead of the GRU on 256-vectors.
        freeze_spatial: freeze the DeepLab backbone (conv1-fc6).
        freeze_temporal: freeze MPNet.
        context_dilation: dilation of the contrast module's context conv.
        dropout: DeepLab's fc6/fc7 dropout (only used by the spatial stage's head).
        temporal_features: what the temporal network passes on: ``likelihood`` (the paper: its
            1-channel motion likelihood, downsampled to H/8) or ``decoder`` (MPNet's last
            decoder map, 128 x width channels, downsampled to H/8: a richer description of the
            motion pattern, which a frozen MPNet otherwise squeezes into one channel).
    """

    def __init__(
        self,
        width: float = 1.0,
        num_classes: int = 5,
        image_size: int | tuple[int, int] = 64,
        fc6_dilation: int = 12,
        conv_gru: bool = False,
        freeze_spatial: bool = False,
        freeze_temporal: bool = False,
        context_dilation: int = 2,
        dropout: float = 0.5,
        temporal_features: str = "likelihood",
    ) -> None:
        super().__init__()
        if temporal_features not in ("likelihood", "decoder"):
            raise ValueError(
                f"temporal_features must be 'likelihood' or 'decoder', not {temporal_features!r}"
            )
        self.temporal_features = temporal_features
        h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
        if h % OUTPUT_STRIDE or w % OUTPUT_STRIDE:
            raise ValueError(f"image size must be a multiple of {OUTPUT_STRIDE}, got {(h, w)}")
        self.image_size = (h, w)
        self.width = width
        self.spatial = DeepLabLargeFOV(width, fc6_dilation=fc6_dilation, dropout=dropout)
        freeze_(self.spatial.head)  # fc7/fc8: the spatial stage's segmentation head, unused here
        self.spatial_head = SpatialFeatureHead(self.spatial.fc_channels, width)
        self.temporal = MPNet(width)
        channels = self.spatial_head.out_channels
        self.contrast = ContextContrast(channels, context_dilation=context_dilation)
        temporal_channels = (
            1 if temporal_features == "likelihood" else self.temporal.feature_channels
        )
        self.memory = VisualMemory(
            channels + temporal_channels,
            (h // OUTPUT_STRIDE, w // OUTPUT_STRIDE),
            width=width,
            num_classes=num_classes,
            conv_gru=conv_gru,
        )
        self.freeze_spatial = freeze_spatial
        self.freeze_temporal = freeze_temporal
        if freeze_spatial:
            freeze_(self.spatial)
        if freeze_temporal:
            freeze_(self.temporal)

    def train(self, mode: bool = True) -> JointNet:
        """Set train/eval mode; frozen backbones always stay in eval mode."""
        super().train(mode)
        if self.freeze_spatial:
            self.spatial.eval()
        if self.freeze_temporal:
            self.temporal.eval()
        return self

    def load_backbones(
        self,
        spatial_state: Mapping[str, torch.Tensor] | None = None,
        temporal_state: Mapping[str, torch.Tensor] | None = None,
        strict: bool = True,
    ) -> None:
        """Load state dicts of a trained :class:`DeepLabLargeFOV` and/or :class:`MPNet`.

        Frozen parameters stay frozen (loading copies values in place).
        """
        if spatial_state is not None:
            self.spatial.load_state_dict(spatial_state, strict=strict)
            log.info("loaded spatial backbone (%d tensors)", len(spatial_state))
        if temporal_state is not None:
            self.temporal.load_state_dict(temporal_state, strict=strict)
            log.info("loaded temporal backbone (%d tensors)", len(temporal_state))

    def trainable_parameters(self) -> list[nn.Parameter]:
        """Parameters with ``requires_grad`` (what the optimiser should get)."""
        return [p for p in self.parameters() if p.requires_grad]

    def spatial_features(self, frames: torch.Tensor) -> torch.Tensor:
        """Reduced spatial features: (N, 3, H, W) uint8 or float -> (N, C, H/8, W/8)."""
        images = to_unit_float(frames)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze_spatial):
            fc6 = self.spatial.fc6_features(images)
        return self.spatial_head(fc6)

    def motion_map(self, flow: torch.Tensor) -> torch.Tensor:
        """Temporal map: (N, 2, H, W) pixels -> (N, 1 or C, H/8, W/8) (``temporal_features``)."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze_temporal):
            if self.temporal_features == "decoder":
                return self.temporal.feature_map(flow)
            return self.temporal.motion_map(flow)

    def forward(
        self, frames: torch.Tensor, flow: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> JointOutput:
        """Run T transitions.

        Args:
            frames: (B, T+1, 3, H, W) uint8 in [0, 255] or float in [0, 1].
            flow: (B, T, 2, H, W) optical flow in pixels, flow[:, t] from frame t to t+1.
            hidden: GRU state returned by the previous chunk of the same clips, or None (zeros).
                For truncated back-propagation through time, detach it before passing it on.

        Returns:
            :class:`JointOutput` with logits (B, T, num_classes), intensity (B, T), hidden.
        """
        b, t1, _, h, w = frames.shape
        t = t1 - 1
        if flow.shape[:2] != (b, t) or flow.shape[2] != 2:
            raise ValueError(
                f"flow {tuple(flow.shape)} does not match frames {tuple(frames.shape)}"
            )
        fm = self.spatial_features(frames.reshape(b * t1, 3, h, w))
        fm = fm.view(b, t1, *fm.shape[1:])
        contrast = self.contrast.forward_sequence(fm)  # (B, T, C, h, w)
        motion = self.motion_map(flow.reshape(b * t, 2, h, w))
        motion = motion.view(b, t, motion.shape[1], *contrast.shape[-2:])
        out = self.memory(torch.cat((contrast, motion), dim=2), hidden)
        return JointOutput(out.logits, out.intensity, out.hidden)


class ClipInference(NamedTuple):
    """Outputs of :func:`infer_clip` for T transitions."""

    probs: torch.Tensor  #: (B, T, num_classes) class probabilities
    intensity: torch.Tensor  #: (B, T) intensity in [0, 1]
    hidden: torch.Tensor  #: GRU state after the last step


@torch.no_grad()
def infer_clip(
    net: JointNet,
    frames: torch.Tensor,
    flow: torch.Tensor,
    chunk: int = 64,
    hidden: torch.Tensor | None = None,
) -> ClipInference:
    """Whole-clip inference in chunks of ``chunk`` steps, carrying the GRU state across them.

    Args:
        net: the network (put it in eval mode first).
        frames: (B, T+1, 3, H, W) frames, as :meth:`JointNet.forward` takes them.
        flow: (B, T, 2, H, W) flow, ``flow[:, t]`` from frame t to frame t+1.
        chunk: steps per forward pass (bounds memory; the result does not depend on it).
        hidden: the GRU state left by a previous call on the same clips (streaming), or None.

    Returns:
        :class:`ClipInference`: probabilities (B, T, C), intensity (B, T) and the last state.
    """
    steps = flow.shape[1]
    if chunk < 1 or steps < 1:
        raise ValueError(f"need chunk >= 1 and at least one step, got {chunk} and {steps}")
    probs, intensity = [], []
    for a in range(0, steps, chunk):
        b = min(steps, a + chunk)
        out = net(frames[:, a : b + 1], flow[:, a:b], hidden)
        hidden = out.hidden
        probs.append(out.logits.softmax(-1))
        intensity.append(out.intensity)
    return ClipInference(torch.cat(probs, 1), torch.cat(intensity, 1), hidden)


@torch.no_grad()
def infer_windows(
    net: JointNet, frames: torch.Tensor, flow: torch.Tensor, window: int, chunk: int = 64
) -> ClipInference:
    """Inference in consecutive windows of ``window`` steps, the GRU state reset at each one:
    what a network trained on windows of that many steps (``data.train_sequences=window``)
    must be evaluated with, so that it never runs longer than it was trained.

    Window w covers steps ``[w * window, (w + 1) * window)`` (frames one further); arguments
    and result as :func:`infer_clip`'s (``hidden`` is the state after the last window).
    """
    steps = flow.shape[1]
    if window < 1 or steps < 1:
        raise ValueError(f"need window >= 1 and at least one step, got {window} and {steps}")
    parts = [
        infer_clip(net, frames[:, a : a + window + 1], flow[:, a : a + window], chunk)
        for a in range(0, steps, window)
    ]
    return ClipInference(
        torch.cat([p.probs for p in parts], 1),
        torch.cat([p.intensity for p in parts], 1),
        parts[-1].hidden,
    )
