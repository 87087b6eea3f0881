"""Tests of the DeepLab-LargeFOV spatial network."""

from __future__ import annotations

import pytest
import torch

from microexp.models.spatial import DeepLabLargeFOV, SpatialFeatureHead


@pytest.mark.parametrize(("width", "fc", "feat"), [(1.0, 1024, 128), (0.25, 256, 32)])
def test_shapes(width: float, fc: int, feat: int) -> None:
    net = DeepLabLargeFOV(width).eval()
    head = SpatialFeatureHead(net.fc_channels, width)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        fc6 = net.fc6_features(x)
        seg = net(x)
        features = head(fc6)
    assert fc6.shape == (2, fc, 8, 8)
    assert seg.shape == (2, 1, 8, 8)
    assert features.shape == (2, feat, 8, 8)
    assert features.abs().max() < 1.0  # tanh output
    assert (fc6 >= 0).all()  # after ReLU


def test_layer_facts() -> None:
    net = DeepLabLargeFOV(0.25, fc6_dilation=2)
    convs = [m for m in net.vgg if isinstance(m, torch.nn.Conv2d)]
    pools = [m for m in net.vgg if isinstance(m, torch.nn.MaxPool2d)]
    assert len(convs) == 13
    assert [c.dilation for c in convs[-3:]] == [(2, 2)] * 3
    assert [p.stride for p in pools] == [2, 2, 2, 1, 1]
    assert net.fc6.dilation == (2, 2)
    assert DeepLabLargeFOV(0.25).fc6.dilation == (12, 12)


def test_options_and_other_sizes() -> None:
    net = DeepLabLargeFOV(0.25, avg_pool5=True, batch_norm=True).eval()
    assert any(isinstance(m, torch.nn.AvgPool2d) for m in net.vgg)
    with torch.no_grad():
        assert net(torch.rand(1, 3, 96, 128)).shape == (1, 1, 12, 16)


def test_dropout_only_in_training() -> None:
    net = DeepLabLargeFOV(0.25).eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(net(x), net(x))
