"""Handing the joint stage its backbones: end to end (``stage.pretrained=none``)."""

from __future__ import annotations

from types import SimpleNamespace

from microexp.models.joint import JointNet
from microexp.train.handoff import _end_to_end


def test_end_to_end_trains_the_backbones_in_train_mode() -> None:
    """Built frozen (eval mode, no gradients), the backbones become trainable AND leave eval
    mode: Lightning keeps the modes it finds, so dropout and batch norm would stay off."""
    net = JointNet(width=0.125, num_classes=5, freeze_spatial=True, freeze_temporal=True)
    assert not net.spatial.training and not net.temporal.training
    _end_to_end(SimpleNamespace(net=net))
    assert net.spatial.training and net.temporal.training
    assert all(m.training for m in net.temporal.modules())
    assert any(p.requires_grad for p in net.spatial.parameters())
    assert not any(p.requires_grad for p in net.spatial.head.parameters())
