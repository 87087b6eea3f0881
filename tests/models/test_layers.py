"""Tests of the shared building blocks."""

from __future__ import annotations

import math

import pytest
import torch

from microexp.models.layers import CPU_WIDTH, MIN_CHANNELS, conv2d, linear, scaled, to_unit_float


def test_scaled_widths_and_floor() -> None:
    assert scaled(512, 1.0) == 512
    assert scaled(512, CPU_WIDTH) == 128
    assert scaled(64, 0.25) == 16
    assert scaled(64, 0.01) == MIN_CHANNELS
    with pytest.raises(ValueError):
        scaled(64, 0.0)


def test_xavier_init_bounds_and_zero_bias() -> None:
    conv = conv2d(16, 32, 3, nonlinearity="relu")
    fan_in, fan_out = 16 * 9, 32 * 9
    bound = math.sqrt(2.0) * math.sqrt(6.0 / (fan_in + fan_out))
    assert conv.weight.abs().max() <= bound
    assert conv.weight.abs().max() > 0.8 * bound
    assert torch.count_nonzero(conv.bias) == 0
    fc = linear(100, 10)
    assert fc.weight.abs().max() <= math.sqrt(6.0 / 110)
    assert torch.count_nonzero(fc.bias) == 0


def test_same_padding_with_dilation() -> None:
    conv = conv2d(3, 4, 3, dilation=12)
    assert conv(torch.zeros(1, 3, 8, 8)).shape == (1, 4, 8, 8)


def test_to_unit_float() -> None:
    x = torch.tensor([0, 255], dtype=torch.uint8)
    assert torch.equal(to_unit_float(x), torch.tensor([0.0, 1.0]))
    y = torch.rand(3)
    assert to_unit_float(y) is y
    with pytest.raises(TypeError):
        to_unit_float(torch.tensor([1, 2]))
