"""The joint network can fit a fixed batch of synthetic sequences."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from microexp.models.joint import JointNet
from microexp.models.layers import CPU_WIDTH
from tests.models.helpers import synthetic_batch


def test_overfits_four_sequences() -> None:
    steps, classes = 4, 5
    frames, flow = synthetic_batch(4, steps, seed=1)
    g = torch.Generator().manual_seed(1)
    labels = torch.randint(0, classes, (4,), generator=g).repeat_interleave(steps)
    intensity = torch.rand(4, steps, generator=g)
    net = JointNet(width=CPU_WIDTH, num_classes=classes).train()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    # A step budget, not a time budget: about 60 steps are needed; the bound holds on a busy
    # machine too (wall time is not what this test measures).
    first, loss_value = None, float("inf")
    for _ in range(300):
        out = net(frames, flow)
        loss = F.cross_entropy(out.logits.reshape(-1, classes), labels) + F.l1_loss(
            out.intensity, intensity
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        loss_value = loss.item()
        first = first if first is not None else loss_value
        if loss_value < 0.1 * first:
            break
    assert first is not None
    assert loss_value < 0.1 * first, f"loss {first:.3f} -> {loss_value:.3f} in 300 steps"
