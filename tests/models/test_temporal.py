"""Tests of MPNet."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from microexp.models.temporal import MPNet, normalise_flow


@pytest.mark.parametrize("width", [1.0, 0.25])
def test_shapes(width: float) -> None:
    net = MPNet(width).eval()
    flow = torch.randn(2, 2, 64, 64)
    with torch.no_grad():
        logits = net(flow)
        motion = net.motion_map(flow)
    assert logits.shape == (2, 1, 16, 16)
    assert motion.shape == (2, 1, 8, 8)
    assert ((motion >= 0) & (motion <= 1)).all()
    torch.testing.assert_close(motion, F.avg_pool2d(torch.sigmoid(logits), 2))


def test_flow_normalisation() -> None:
    x = torch.linspace(-10, 10, 1001)
    y = normalise_flow(x)
    assert (y.diff() > 0).all()
    assert y.abs().max() <= 5.0
    small = torch.tensor([0.1, 1.0, 2.0])
    torch.testing.assert_close(normalise_flow(small), small, rtol=0.06, atol=0)
