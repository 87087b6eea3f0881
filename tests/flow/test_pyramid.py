"""The TV-L1 pyramid: resizing and level sizes against OpenCV's."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from microexp.flow import TVL1Params
from microexp.flow.pyramid import pyramid_sizes, resize_linear


def test_resize_matches_opencv_both_ways() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (64, 57)).astype(np.float32)
    # pyramid step: cv2.resize(..., fx=0.8, fy=0.8)
    ref = cv2.resize(x, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_LINEAR)
    got = resize_linear(torch.from_numpy(x)[None], ref.shape, (1 / 0.8, 1 / 0.8))[0]
    np.testing.assert_allclose(got.numpy(), ref, atol=2e-3)
    # flow upsampling: cv2.resize(..., dsize)
    small = rng.normal(size=(33, 26)).astype(np.float32)
    ref = cv2.resize(small, (33, 41), interpolation=cv2.INTER_LINEAR)
    got = resize_linear(torch.from_numpy(small)[None], (41, 33))[0]
    np.testing.assert_allclose(got.numpy(), ref, atol=1e-5)


def test_pyramid_sizes_like_opencv() -> None:
    p = TVL1Params()
    assert pyramid_sizes(64, 64, p) == [(64, 64), (51, 51), (41, 41), (33, 33), (26, 26)]
    # levels under 16 px are dropped
    assert pyramid_sizes(32, 32, p) == [(32, 32), (26, 26), (21, 21), (17, 17)]
    assert pyramid_sizes(40, 20, p) == [(40, 20), (32, 16)]
    assert pyramid_sizes(64, 64, TVL1Params(nscales=1)) == [(64, 64)]
