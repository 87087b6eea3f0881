"""Tests of the assembled joint network."""

from __future__ import annotations

import pytest
import torch

from microexp.models.joint import JointNet, JointOutput
from microexp.models.layers import CPU_WIDTH
from microexp.models.spatial import DeepLabLargeFOV
from microexp.models.temporal import MPNet
from tests.models.helpers import synthetic_batch


def _check(width: float, steps: int, conv_gru: bool = False, batch: int = 1) -> None:
    net = JointNet(width=width, conv_gru=conv_gru).eval()
    frames, flow = synthetic_batch(batch, steps)
    with torch.no_grad():
        out = net(frames, flow)
    assert isinstance(out, JointOutput)
    assert out.logits.shape == (batch, steps, 5)
    assert out.intensity.shape == (batch, steps)
    assert torch.isfinite(out.logits).all()
    d = net.memory.dim
    assert out.hidden.shape == ((batch, d, 8, 8) if conv_gru else (batch, d))


@pytest.mark.parametrize("conv_gru", [False, True])
@pytest.mark.parametrize("steps", [1, 14])
def test_shapes_full_width(steps: int, conv_gru: bool) -> None:
    _check(1.0, steps, conv_gru)


@pytest.mark.parametrize("conv_gru", [False, True])
@pytest.mark.parametrize("steps", [1, 14])
def test_shapes_cpu_width(steps: int, conv_gru: bool) -> None:
    _check(CPU_WIDTH, steps, conv_gru, batch=2)


def test_shapes_cpu_width_long() -> None:
    _check(CPU_WIDTH, 120)


@pytest.mark.slow
@pytest.mark.parametrize("conv_gru", [False, True])
def test_shapes_full_width_long(conv_gru: bool) -> None:
    _check(1.0, 120, conv_gru)


def test_uint8_equals_float() -> None:
    net = JointNet(width=CPU_WIDTH).eval()
    frames, flow = synthetic_batch(1, 3)
    with torch.no_grad():
        a = net(frames, flow)
        b = net(frames.float() / 255, flow)
    torch.testing.assert_close(a.logits, b.logits)
    torch.testing.assert_close(a.intensity, b.intensity)


def test_options() -> None:
    net = JointNet(width=0.01, num_classes=3, fc6_dilation=2, image_size=(32, 48))
    assert net.spatial.fc6.dilation == (2, 2)
    frames, flow = synthetic_batch(1, 2, size=48)
    with torch.no_grad():
        out = net(frames[..., :32, :], flow[..., :32, :])
    assert out.logits.shape == (1, 2, 3)
    with pytest.raises(ValueError):
        JointNet(width=0.25, image_size=60)
    with pytest.raises(ValueError):
        net(frames[..., :32, :], flow[:, :1, :, :32, :])


@pytest.mark.parametrize("conv_gru", [False, True])
def test_chunked_inference_equals_whole(conv_gru: bool) -> None:
    net = JointNet(width=CPU_WIDTH, conv_gru=conv_gru).eval()
    frames, flow = synthetic_batch(2, 6)
    with torch.no_grad():
        whole = net(frames, flow)
        hidden, logits, intensity, start = None, [], [], 0
        for size in (2, 1, 3):
            out = net(frames[:, start : start + size + 1], flow[:, start : start + size], hidden)
            logits.append(out.logits)
            intensity.append(out.intensity)
            hidden, start = out.hidden, start + size
    torch.testing.assert_close(torch.cat(logits, 1), whole.logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.cat(intensity, 1), whole.intensity, atol=1e-5, rtol=0)


def _loss(out: JointOutput) -> torch.Tensor:
    return out.logits.square().mean() + out.intensity.mean()


@pytest.mark.parametrize("conv_gru", [False, True])
def test_gradients_reach_every_trainable_parameter(conv_gru: bool) -> None:
    net = JointNet(width=CPU_WIDTH, conv_gru=conv_gru).train()
    frames, flow = synthetic_batch(2, 2)
    _loss(net(frames, flow)).backward()
    trainable = {n: p for n, p in net.named_parameters() if p.requires_grad}
    assert not any(n.startswith("spatial.head") for n in trainable)  # fc7/fc8 unused here
    missing = [n for n, p in trainable.items() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, missing
    assert len(trainable) == len(list(net.parameters())) - len(list(net.spatial.head.parameters()))


def test_frozen_backbones_get_no_gradient_and_stay_in_eval() -> None:
    net = JointNet(width=CPU_WIDTH, freeze_spatial=True, freeze_temporal=True)
    net.train()
    assert net.training and net.memory.training and net.contrast.training
    for backbone in (net.spatial, net.temporal):
        assert not any(m.training for m in backbone.modules())
        assert not any(p.requires_grad for p in backbone.parameters())
    frames, flow = synthetic_batch(2, 2)
    _loss(net(frames, flow)).backward()
    assert all(p.grad is None for p in net.spatial.parameters())
    assert all(p.grad is None for p in net.temporal.parameters())
    for module in (net.spatial_head, net.contrast, net.memory):
        assert all(p.grad is not None for p in module.parameters())
    net.eval()
    net.train()
    assert not net.spatial.training and not net.temporal.training


def test_load_backbones() -> None:
    spatial, temporal = DeepLabLargeFOV(CPU_WIDTH), MPNet(CPU_WIDTH)
    net = JointNet(width=CPU_WIDTH, freeze_spatial=True)
    net.load_backbones(spatial.state_dict(), temporal.state_dict())
    for a, b in zip(net.spatial.parameters(), spatial.parameters()):
        assert torch.equal(a, b)
        assert not a.requires_grad
    for a, b in zip(net.temporal.parameters(), temporal.parameters()):
        assert torch.equal(a, b)
        assert a.requires_grad
