from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from microexp.flow.convert import check_pair, to_grey


def test_uint8_grey_is_cvtcolor_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (2, 37, 53, 3), dtype=np.uint8)
    ref = np.stack([cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in img])
    got = to_grey(torch.from_numpy(img).permute(0, 3, 1, 2))
    assert got.dtype == torch.float32
    np.testing.assert_array_equal(got.numpy(), ref.astype(np.float32))


def test_float_grey_matches_cvtcolor() -> None:
    rng = np.random.default_rng(1)
    img = rng.uniform(0, 255, (2, 20, 30, 3)).astype(np.float32)
    ref = np.stack([cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in img])
    got = to_grey(torch.from_numpy(img).permute(0, 3, 1, 2))
    np.testing.assert_allclose(got.numpy(), ref, atol=1e-3)


def test_single_channel_passes_through() -> None:
    x = torch.randint(0, 256, (3, 1, 8, 9), dtype=torch.uint8)
    assert torch.equal(to_grey(x), x[:, 0].float())


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((2, 3, 8, 8), (2, 3, 8, 9)),  # shapes differ
        ((2, 2, 8, 8), (2, 2, 8, 8)),  # two channels
        ((3, 8, 8), (3, 8, 8)),  # no batch axis
        ((1, 1, 2, 8), (1, 1, 2, 8)),  # too small
    ],
)
def test_check_pair_rejects(a: tuple, b: tuple) -> None:
    with pytest.raises(ValueError):
        check_pair(torch.zeros(a), torch.zeros(b))


def test_check_pair_rejects_mixed_dtypes() -> None:
    with pytest.raises(ValueError, match="dtype"):
        check_pair(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8, dtype=torch.uint8))
