"""Image pairs with known flow, for testing and benchmarking the TV-L1 backends.

Real face images (the face in ``skimage.data.astronaut()`` and the faces of
``skimage.data.lfw_subset()``, all bundled with scikit-image, no network) are moved by smooth
random flows of micro-expression size. Each pair is rendered from a 4x finer version of the
face so that both frames are equally natural (neither is an interpolation of the other), and the
ground truth follows OpenCV's convention ``prev(p) ~ next(p + flow(p))``.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import torch

__all__ = ["endpoint_error", "face_images", "make_pairs", "smooth_flow"]

_SUPERSAMPLE = 4


@functools.lru_cache(maxsize=8)
def _face_sources(size: int) -> tuple[np.ndarray, ...]:
    """Face images (RGB uint8) at ``_SUPERSAMPLE * size`` pixels, read once."""
    from skimage import data

    big = _SUPERSAMPLE * size
    out = []
    astro = data.astronaut()
    for y0, x0, side in ((15, 150, 200), (30, 165, 170), (0, 130, 240)):
        crop = astro[y0 : y0 + side, x0 : x0 + side]
        out.append(cv2.resize(crop, (big, big), interpolation=cv2.INTER_AREA))
    lfw = data.lfw_subset()[:100]  # the first 100 are faces, the rest are not
    for face in lfw:
        grey = np.clip(face * 255.0 + 0.5, 0, 255).astype(np.uint8)
        up = cv2.resize(grey, (big, big), interpolation=cv2.INTER_CUBIC)
        out.append(np.repeat(up[..., None], 3, axis=2))
    return tuple(out)


def face_images(size: int = 64, n: int | None = None) -> np.ndarray:
    """(n, size, size, 3) uint8 RGB faces (all of them when ``n`` is None, cycling if larger)."""
    src = _face_sources(size)
    n = len(src) if n is None else n
    imgs = [
        cv2.resize(src[i % len(src)], (size, size), interpolation=cv2.INTER_AREA) for i in range(n)
    ]
    return np.stack(imgs) if imgs else np.zeros((0, size, size, 3), np.uint8)


def smooth_flow(
    rng: np.random.Generator, size: int, max_magnitude: float, waves: int = 3
) -> np.ndarray:
    """(2, size, size) float32: a smooth random field whose largest vector is ``max_magnitude``.

    A constant part, an affine part and a few low-frequency waves per component: the kind of
    motion a face shows between two frames (global drift plus smooth local deformation).
    """
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64) / size - 0.5
    f = np.zeros((2, size, size))
    for c in range(2):
        f[c] += rng.normal() + rng.normal() * xs + rng.normal() * ys
        for _ in range(waves):
            kx, ky = rng.uniform(0.3, 1.5, 2) * rng.choice([-1, 1], 2)
            f[c] += rng.normal() * np.sin(
                2 * np.pi * (kx * xs + ky * ys) + rng.uniform(0, 2 * np.pi)
            )
    peak = float(np.sqrt((f**2).sum(0)).max())
    return (f * (max_magnitude / max(peak, 1e-9))).astype(np.float32)


def _render_next(src: np.ndarray, flow: np.ndarray, size: int) -> np.ndarray:
    """next at ``size`` such that next(p + flow(p)) = prev(p), rendered from ``src`` (4x)."""
    s = _SUPERSAMPLE
    big = src.shape[0]
    # flow on the fine grid (in fine pixels); fine pixel q sits at coarse (q + 0.5) / s - 0.5
    fine = np.stack([cv2.resize(c, (big, big), interpolation=cv2.INTER_CUBIC) for c in flow]) * s
    qy, qx = np.mgrid[0:big, 0:big].astype(np.float32)
    # invert p -> p + flow(p): find p with p + flow(p) = q by fixed-point iteration
    px, py = qx.copy(), qy.copy()
    for _ in range(30):
        fx = cv2.remap(fine[0], px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        fy = cv2.remap(fine[1], px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        px, py = qx - fx, qy - fy
    nxt = cv2.remap(src, px, py, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT101)
    return cv2.resize(nxt, (size, size), interpolation=cv2.INTER_AREA)


def make_pairs(
    n: int,
    size: int = 64,
    seed: int = 0,
    magnitude: tuple[float, float] = (0.1, 3.0),
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` pairs of faces with known flow.

    Returns ``(prev, next, flow)``: (n, 3, size, size) uint8 RGB twice and the ground truth
    (n, 2, size, size) float32 in pixels (u, v), the largest vector of pair ``i`` drawn
    uniformly in ``magnitude``.
    """
    rng = np.random.default_rng(seed)
    src = _face_sources(size)
    prev, nxt, flows = [], [], []
    for i in range(n):
        face = src[rng.integers(len(src))] if i >= len(src) else src[i]
        if rng.random() < 0.5:
            face = face[:, ::-1].copy()
        flow = smooth_flow(rng, size, float(rng.uniform(*magnitude)))
        prev.append(cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA))
        nxt.append(_render_next(face, flow, size))
        flows.append(flow)
    if not flows:
        empty = torch.zeros(0, 3, size, size, dtype=torch.uint8)
        return empty, empty.clone(), torch.zeros(0, 2, size, size)
    return _nchw(prev), _nchw(nxt), torch.from_numpy(np.stack(flows))


def _nchw(images: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2)))


def endpoint_error(
    flow: torch.Tensor, truth: torch.Tensor, border: int | None = None
) -> torch.Tensor:
    """Per-pair mean end-point error (B,) over the image minus ``border`` pixels on each side.

    ``border`` defaults to ``max(2, size // 16)`` (4 px at 64 x 64): TV-L1 cannot recover motion
    that brings content in from outside the frame.
    """
    h, w = truth.shape[-2:]
    b = max(2, min(h, w) // 16) if border is None else border
    d = (flow.float().cpu() - truth.float().cpu())[..., b : h - b, b : w - b]
    return d.pow(2).sum(1).sqrt().mean((1, 2))
