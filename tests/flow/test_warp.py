"""Gradients and the bicubic warp of the torch TV-L1 against OpenCV's."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from microexp.flow.warp import centred_gradient, warp_canvas, warp_constants


def _opencv_centred_gradient(src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """centeredGradient of tvl1flow.cpp, written out."""
    dx, dy = np.zeros_like(src), np.zeros_like(src)
    dx[:, 1:-1] = 0.5 * (src[:, 2:] - src[:, :-2])
    dx[:, 0] = 0.5 * (src[:, 1] - src[:, 0])
    dx[:, -1] = 0.5 * (src[:, -1] - src[:, -2])
    dy[1:-1] = 0.5 * (src[2:] - src[:-2])
    dy[0] = 0.5 * (src[1] - src[0])
    dy[-1] = 0.5 * (src[-1] - src[-2])
    return dx, dy


def test_centred_gradient() -> None:
    src = np.random.default_rng(1).uniform(0, 255, (9, 12)).astype(np.float32)
    dx, dy = centred_gradient(torch.from_numpy(src)[None])
    rx, ry = _opencv_centred_gradient(src)
    np.testing.assert_allclose(dx[0].numpy(), rx, atol=1e-4)
    np.testing.assert_allclose(dy[0].numpy(), ry, atol=1e-4)


def test_warp_is_cubic_remap_with_zero_border() -> None:
    rng = np.random.default_rng(2)
    h, w = 26, 33
    img = rng.uniform(0, 255, (3, h, w)).astype(np.float32)
    u = rng.normal(scale=2.0, size=(2, h, w)).astype(np.float32)
    i0 = np.zeros((h, w), np.float32)
    ix, iy, ig, rc = warp_constants(
        warp_canvas(torch.from_numpy(img)[None]),
        torch.from_numpy(i0)[None],
        torch.from_numpy(u[0])[None],
        torch.from_numpy(u[1])[None],
    )
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    remap = [cv2.remap(c, xs + u[0], ys + u[1], cv2.INTER_CUBIC) for c in img]
    np.testing.assert_allclose(ix[0].numpy(), remap[1], atol=2e-3)
    np.testing.assert_allclose(iy[0].numpy(), remap[2], atol=2e-3)
    # rho_c = I1w - I1wx * u1 - I1wy * u2 - I0
    rho = remap[0] - remap[1] * u[0] - remap[2] * u[1]
    np.testing.assert_allclose(rc[0].numpy(), rho, atol=2e-2)
    grad = remap[1] ** 2 + remap[2] ** 2
    inv = np.where(grad > 1.2e-7, 1 / np.maximum(grad, 1.2e-7), 0)
    np.testing.assert_allclose(ig[0].numpy(), inv, rtol=1e-3)
    # whole-pixel displacements sample exactly (zero flow gives back the image itself)
    z = torch.zeros(1, h, w)
    shift = torch.full((1, h, w), 2.0)
    canvas = warp_canvas(torch.from_numpy(img)[None])
    ix, iy, _, rc = warp_constants(canvas, torch.zeros(1, h, w), z, shift)
    assert torch.equal(ix[0, : h - 2], torch.from_numpy(img[1, 2:]))
    assert torch.equal(ix[0, h - 2 :], torch.zeros(2, w))
