"""Flow-aware similarity augmentation (the paper's rotation ±10°, scale 0.9-1.1, translation
±2 px, 150 copies).

One random similarity ``A(p) = s·R·(p - c) + c + t`` per training sequence is applied to all its
frames, its masks and its cached flow: images are resampled at ``A⁻¹``, flow is resampled on the
same grid and its vectors multiplied by ``s·R``, so flow is never recomputed per copy. Parameters
derive from ``(seed, epoch, index)`` only (reproducible, also after a resume); everything is
batched and runs on the batch's device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random similarity transform (the paper's by default).

    Attributes:
        rotation: largest rotation, degrees (uniform in ±rotation).
        scale: (low, high) isotropic scale.
        translation: largest shift in pixels of the network input (uniform in ±translation).
        enabled: False turns augmentation off (identity parameters).
    """

    rotation: float = 10.0
    scale: tuple[float, float] = (0.9, 1.1)
    translation: float = 2.0
    enabled: bool = True


def sample_params(cfg: AugmentConfig, seed: int, epoch: int, index: int) -> Tensor:
    """The transform of item ``index`` in ``epoch``: ``(4,)`` float32 ``[angle (rad), scale,
    tx, ty]`` (shifts in pixels), a pure function of ``(seed, epoch, index)``."""
    if not cfg.enabled:
        return torch.tensor([0.0, 1.0, 0.0, 0.0])
    rng = np.random.default_rng([seed, epoch, index, 0xA5])
    angle = math.radians(rng.uniform(-cfg.rotation, cfg.rotation))
    scale = rng.uniform(*cfg.scale)
    tx, ty = rng.uniform(-cfg.translation, cfg.translation, size=2)
    return torch.tensor([angle, scale, tx, ty], dtype=torch.float32)


def _rotation(angle: Tensor) -> Tensor:
    c, s = torch.cos(angle), torch.sin(angle)
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (B, 2, 2)


def inverse_grid(params: Tensor, height: int, width: int) -> Tensor:
    """``affine_grid`` theta ``(B, 2, 3)`` mapping output (normalised) coordinates to input
    coordinates, i.e. ``A⁻¹``, with ``align_corners=False`` pixel geometry."""
    angle, scale, shift = params[:, 0], params[:, 1], params[:, 2:4]
    rinv = _rotation(-angle) / scale[:, None, None]  # (s R)^-1
    d = torch.tensor([width / 2.0, height / 2.0], device=params.device, dtype=params.dtype)
    # p_n = D^-1 (sR)^-1 (D q_n - t)
    linear = rinv * d[None, None, :] / d[None, :, None]
    offset = -(rinv @ shift[:, :, None])[:, :, 0] / d[None, :]
    return torch.cat([linear, offset[:, :, None]], dim=2)


def _warp(x: Tensor, theta: Tensor, mode: str, padding: str) -> Tensor:
    """Resample ``(B, T, C, H, W)`` with one theta per batch item."""
    b, t, c, h, w = x.shape
    grid = F.affine_grid(theta, [b, c, h, w], align_corners=False)  # (B, H, W, 2)
    grid = grid[:, None].expand(b, t, h, w, 2).reshape(b * t, h, w, 2)
    out = F.grid_sample(
        x.reshape(b * t, c, h, w), grid, mode=mode, padding_mode=padding, align_corners=False
    )
    return out.reshape(b, t, c, h, w)


def transform_flow(flow: Tensor, params: Tensor) -> Tensor:
    """Apply the similarity to a flow field ``(B, T, 2, H, W)``: resample at ``A⁻¹`` and
    multiply the vectors by ``s·R``."""
    theta = inverse_grid(params, flow.shape[-2], flow.shape[-1])
    warped = _warp(flow, theta, "bilinear", "border")
    sr = _rotation(params[:, 0]) * params[:, 1, None, None]  # (B, 2, 2)
    return torch.einsum("bij,btjhw->btihw", sr.to(flow.dtype), warped)


def transform_images(frames: Tensor, params: Tensor) -> Tensor:
    """Apply the similarity to frames ``(B, T, C, H, W)`` (uint8 stays uint8)."""
    theta = inverse_grid(params.float(), frames.shape[-2], frames.shape[-1])
    out = _warp(frames.float(), theta, "bilinear", "border")
    if frames.dtype == torch.uint8:
        return out.round_().clamp_(0, 255).to(torch.uint8)
    return out.to(frames.dtype)


def transform_masks(mask: Tensor, params: Tensor) -> Tensor:
    """Apply the similarity to masks ``(B, T, 1, H, W)`` (nearest neighbour, zeros outside)."""
    theta = inverse_grid(params.float(), mask.shape[-2], mask.shape[-1])
    return _warp(mask.float(), theta, "nearest", "zeros").to(mask.dtype)


def apply_batch_augmentation(batch: dict, enabled: bool) -> dict:
    """A training batch's drawn transform (its ``aug`` entry, removed) applied on the batch's
    device when ``enabled``; evaluation batches (no ``aug``) pass unchanged."""
    params = batch.pop("aug", None)
    if params is not None and enabled:
        batch = augment_batch(batch, params)
    return batch


def augment_batch(batch: dict, params: Tensor) -> dict:
    """Transform a batch's ``frames``, ``flow`` and ``mask`` in place (same transform per item
    for all three) and return it."""
    params = params.to(batch["flow"].device, torch.float32)
    batch["frames"] = transform_images(batch["frames"], params)
    batch["flow"] = transform_flow(batch["flow"], params)
    if "mask" in batch:
        batch["mask"] = transform_masks(batch["mask"], params)
    return batch
