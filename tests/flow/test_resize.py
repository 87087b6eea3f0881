"""Flow shrunk to the network's size: vectors scaled with the pixels."""

from __future__ import annotations

import pytest
import torch

from microexp.flow.resize import resize_flow


def test_constant_field_of_two_pixels_at_128_is_one_pixel_at_64() -> None:
    flow = torch.zeros(3, 2, 128, 128)
    flow[:, 0], flow[:, 1] = 2.0, -2.0
    out = resize_flow(flow, 64)
    assert out.shape == (3, 2, 64, 64)
    torch.testing.assert_close(out[:, 0], torch.full((3, 64, 64), 1.0))
    torch.testing.assert_close(out[:, 1], torch.full((3, 64, 64), -1.0))


def test_area_average_and_non_square_scaling() -> None:
    flow = torch.zeros(1, 2, 4, 8)
    flow[0, 0, :2, :2] = 4.0  # half of the 2 x 4 input pixels the first output pixel covers
    out = resize_flow(flow, (2, 2))
    assert out[0, 0, 0, 0].item() == pytest.approx(2.0 * 2 / 8)  # mean 2.0, x scale 1/4
    flow[0, 1] = 1.0
    assert resize_flow(flow, (2, 2))[0, 1].unique().tolist() == [0.5]  # y scale 1/2
    same = torch.randn(1, 2, 16, 16)
    assert resize_flow(same, 16) is same
    with pytest.raises(ValueError, match="down only"):
        resize_flow(same, 32)
    with pytest.raises(ValueError):
        resize_flow(torch.zeros(2, 3, 8, 8), 4)
