from __future__ import annotations

import numpy as np
import pytest
import torch

from microexp.flow.viz import colour_wheel, flow_to_rgb


def test_wheel() -> None:
    wheel = colour_wheel()
    assert wheel.shape == (55, 3)
    assert wheel.min() >= 0 and wheel.max() <= 1
    np.testing.assert_allclose(wheel[0], [1, 0, 0])  # starts at red


def test_zero_flow_is_white_and_layouts_agree() -> None:
    assert (flow_to_rgb(np.zeros((2, 5, 6))) == 255).all()
    rng = np.random.default_rng(0)
    f = rng.normal(size=(2, 7, 9)).astype(np.float32)
    a = flow_to_rgb(f)
    assert a.shape == (7, 9, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(flow_to_rgb(f.transpose(1, 2, 0)), a)
    np.testing.assert_array_equal(flow_to_rgb(torch.from_numpy(f)), a)


def test_directions_and_magnitude() -> None:
    f = np.zeros((2, 1, 5), np.float32)
    f[0, 0, 0], f[0, 0, 1], f[1, 0, 2], f[1, 0, 3] = 1, -1, 1, -1  # right, left, down, up
    rgb = flow_to_rgb(f, max_magnitude=1.0).astype(int)
    right, left, down, up = rgb[0, :4]
    assert right[0] == 255 and right[1] < 50 and right[2] < 50  # red
    assert left[2] == 255 and left[0] < 50  # cyan-blue
    assert len({tuple(c) for c in (right, left, down, up)}) == 4
    # half the magnitude is paler; beyond max_magnitude darker
    half = flow_to_rgb(f * 0.5, max_magnitude=1.0).astype(int)
    assert half[0, 0].min() > right.min()
    over = flow_to_rgb(f * 3, max_magnitude=1.0).astype(int)
    assert over[0, 0].max() < 255


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        flow_to_rgb(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError):
        flow_to_rgb(np.zeros((4, 4)))
