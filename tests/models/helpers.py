"""Synthetic inputs for the network tests."""

from __future__ import annotations

import torch


def synthetic_batch(
    batch: int, steps: int, size: int = 64, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Smooth random frames (B, T+1, 3, S, S) uint8 with a planted blob moving 0.8 px/step to the
    right, and its flow (B, T, 2, S, S) in pixels (0.8 px on the blob, 0 elsewhere)."""
    g = torch.Generator().manual_seed(seed)
    base = torch.nn.functional.interpolate(
        torch.rand(batch, 3, 8, 8, generator=g), size=(size, size), mode="bilinear"
    )
    frames = base[:, None] * 0.9 + torch.rand(batch, steps + 1, 3, size, size, generator=g) * 0.1
    yy, xx = torch.meshgrid(
        torch.arange(size, dtype=torch.float32),
        torch.arange(size, dtype=torch.float32),
        indexing="ij",
    )
    flow = torch.zeros(batch, steps, 2, size, size)
    for b in range(batch):
        cx, cy = (torch.rand(2, generator=g) * size / 2 + size / 4).tolist()
        for t in range(steps + 1):
            blob = torch.exp(-((xx - cx - 0.8 * t) ** 2 + (yy - cy) ** 2) / (2 * 4.0**2))
            frames[b, t] = frames[b, t] * (1 - blob) + blob
            if t < steps:
                flow[b, t, 0] = 0.8 * blob
    return (frames * 255).round().clamp(0, 255).to(torch.uint8), flow
