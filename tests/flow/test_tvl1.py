"""The torch TV-L1: its building blocks against OpenCV's, and the whole against known motion."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
import torch

from microexp.flow import TVL1Params, clip_flow, compute_flow
from microexp.flow.synthetic import endpoint_error, make_pairs
from microexp.flow.tvl1 import (
    TorchTVL1,
    _centred_gradient,
    _warp,
    compile_available,
    pyramid_sizes,
    resize_linear,
    warp_canvas,
)


# --------------------------------------------------------------------------- building blocks
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
    dx, dy = _centred_gradient(torch.from_numpy(src)[None])
    rx, ry = _opencv_centred_gradient(src)
    np.testing.assert_allclose(dx[0].numpy(), rx, atol=1e-4)
    np.testing.assert_allclose(dy[0].numpy(), ry, atol=1e-4)


def test_warp_is_cubic_remap_with_zero_border() -> None:
    rng = np.random.default_rng(2)
    h, w = 26, 33
    img = rng.uniform(0, 255, (3, h, w)).astype(np.float32)
    u = rng.normal(scale=2.0, size=(2, h, w)).astype(np.float32)
    i0 = np.zeros((h, w), np.float32)
    ix, iy, ig, rc = _warp(
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
    ix, iy, _, rc = _warp(warp_canvas(torch.from_numpy(img)[None]), torch.zeros(1, h, w), z, shift)
    assert torch.equal(ix[0, : h - 2], torch.from_numpy(img[1, 2:]))
    assert torch.equal(ix[0, h - 2 :], torch.zeros(2, w))


# --------------------------------------------------------------------------- the whole
def test_recovers_subpixel_motion(subpixel_pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, truth = subpixel_pairs
    flow = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    assert flow.shape == truth.shape and flow.dtype == torch.float32
    epe = endpoint_error(flow, truth)
    assert float(epe.max()) < 0.5
    assert float(epe.mean()) < 0.25


def test_agrees_with_opencv(
    pairs: tuple[torch.Tensor, ...], opencv_on_pairs: torch.Tensor
) -> None:
    prev, nxt, truth = pairs
    flow = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    epe_torch = float(endpoint_error(flow, truth).mean())
    epe_cv = float(endpoint_error(opencv_on_pairs, truth).mean())
    assert epe_torch <= 1.1 * epe_cv
    # the same algorithm: the two flows are close to each other, not only to the truth
    assert float(endpoint_error(flow, opencv_on_pairs).mean()) < 0.05


def test_batch_equals_one_by_one(pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, _ = pairs
    prev, nxt = prev[:4], nxt[:4]
    batch = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    single = torch.cat(
        [
            compute_flow(prev[i : i + 1], nxt[i : i + 1], "torch", "cpu", workers=1)
            for i in range(4)
        ]
    )
    torch.testing.assert_close(batch, single, atol=1e-4, rtol=0)
    # and chunking (compaction across a chunk boundary) changes nothing either
    eng = TorchTVL1(device="cpu", compile=False, chunk=3)
    from microexp.flow.convert import to_grey

    torch.testing.assert_close(eng(to_grey(prev), to_grey(nxt)), batch, atol=1e-4, rtol=0)


def test_uint8_float_and_grey_inputs(pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, truth = (t[:2] for t in pairs)
    ref = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    # the same grey levels given as one channel, uint8 or float: the same flow
    g0 = torch.from_numpy(
        np.stack([cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in prev.permute(0, 2, 3, 1).numpy()])
    )
    g1 = torch.from_numpy(
        np.stack([cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in nxt.permute(0, 2, 3, 1).numpy()])
    )
    grey_u8 = compute_flow(g0[:, None], g1[:, None], "torch", "cpu", workers=1)
    grey_f = compute_flow(g0[:, None].float(), g1[:, None].float(), "torch", "cpu", workers=1)
    torch.testing.assert_close(grey_u8, ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(grey_f, ref, atol=1e-5, rtol=0)
    # float RGB converts without rounding: nearly the same flow, as accurate
    rgb_f = compute_flow(prev.float(), nxt.float(), "torch", "cpu", workers=1)
    assert float(endpoint_error(rgb_f, ref).mean()) < 0.05
    assert (
        float(endpoint_error(rgb_f, truth).mean())
        < 1.1 * float(endpoint_error(ref, truth).mean()) + 0.01
    )


def test_non_square_and_small_images_match_opencv() -> None:
    prev, nxt, truth = make_pairs(2, 64, seed=5, magnitude=(0.3, 1.0))
    prev, nxt, truth = prev[..., 8:56, :], nxt[..., 8:56, :], truth[..., 8:56, :]  # 48 x 64
    ours = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    ref = compute_flow(prev, nxt, "opencv")
    assert ours.shape == (2, 2, 48, 64)
    assert float(endpoint_error(ours, ref).mean()) < 0.05
    small = compute_flow(prev[..., :20, :24], nxt[..., :20, :24], "torch", "cpu", workers=1)
    assert small.shape == (2, 2, 20, 24) and torch.isfinite(small).all()


@pytest.mark.parametrize(
    "overrides",
    [
        {"nscales": 3, "warps": 2, "median_filtering": 3},
        {"median_filtering": 1, "inner_iterations": 7, "outer_iterations": 3},
        {"epsilon": 0.0, "outer_iterations": 1, "scale_step": 0.5},
    ],
)
def test_other_parameters_match_opencv(pairs: tuple[torch.Tensor, ...], overrides: dict) -> None:
    prev, nxt, _ = (t[:2] for t in pairs)
    ours = compute_flow(prev, nxt, "torch", "cpu", workers=1, **overrides)
    ref = compute_flow(prev, nxt, "opencv", **overrides)
    assert float(endpoint_error(ours, ref).mean()) < 0.05


def test_identical_frames_give_zero_flow() -> None:
    prev, _, _ = make_pairs(2, 32, seed=1)
    flow = compute_flow(prev, prev, "torch", "cpu", workers=1)
    assert float(flow.abs().max()) < 1e-3


def test_clip_flow_and_errors() -> None:
    prev, nxt, _ = make_pairs(2, 32, seed=2)
    frames = torch.cat([prev[:1], nxt[:1], prev[1:]])
    flow = clip_flow(frames, workers=1, device="cpu")
    assert flow.shape == (2, 2, 32, 32)
    ref = compute_flow(frames[:-1], frames[1:], "torch", "cpu", workers=1)
    torch.testing.assert_close(flow, ref)
    assert clip_flow(frames[:1]).shape == (0, 2, 32, 32)
    with pytest.raises(ValueError):
        clip_flow(frames[0])
    with pytest.raises(ValueError, match="backend"):
        compute_flow(prev, nxt, backend="farneback")
    with pytest.raises(TypeError):
        compute_flow(prev, nxt, "torch", "cpu", workers=1, lamda=0.1)
    assert compute_flow(prev[:0], nxt[:0], "torch", "cpu", workers=1).shape == (0, 2, 32, 32)


def test_compile_failure_falls_back_to_eager(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(fn, **kwargs):  # noqa: ANN001, ANN202
        def run(*args):  # noqa: ANN002, ANN202
            raise RuntimeError("no compiler here")

        return run

    monkeypatch.setattr(torch, "compile", broken)
    prev, nxt, _ = make_pairs(1, 32, seed=4)
    eng = TorchTVL1(device="cpu", compile=True)
    with caplog.at_level(logging.WARNING, logger="microexp.flow.tvl1"):
        flow = eng(prev[:, 0].float(), nxt[:, 0].float())
    assert torch.isfinite(flow).all()
    assert "using eager mode" in caplog.text
    ref = TorchTVL1(device="cpu", compile=False)(prev[:, 0].float(), nxt[:, 0].float())
    torch.testing.assert_close(flow, ref)


def test_compile_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROEXP_FLOW_COMPILE", "0")
    assert not compile_available("cpu")
    monkeypatch.setenv("MICROEXP_FLOW_COMPILE", "1")
    assert compile_available("cpu")


def test_stats_count_the_work(pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, _ = (t[:3] for t in pairs)
    from microexp.flow.convert import to_grey

    eng = TorchTVL1(device="cpu", compile=False)
    eng(to_grey(prev), to_grey(nxt))
    s = eng.stats
    assert s.pairs == 3 and s.iterations > 0 and s.blocks > 0
    assert s.pixel_iterations <= s.pixel_iterations_computed
    assert set(s.per_level) == {0, 1, 2, 3, 4}


# --------------------------------------------------------------------------- slow / device paths
@pytest.mark.slow
def test_compiled_equals_eager(
    monkeypatch: pytest.MonkeyPatch, pairs: tuple[torch.Tensor, ...]
) -> None:
    monkeypatch.setenv("MICROEXP_FLOW_COMPILE", "1")
    prev, nxt, truth = pairs
    compiled = compute_flow(prev, nxt, "torch", "cpu", workers=1, compile=True)
    eager = compute_flow(prev, nxt, "torch", "cpu", workers=1, compile=False)
    assert float(endpoint_error(compiled, eager).mean()) < 0.01
    assert float(endpoint_error(compiled, truth).mean()) < 0.3


def test_worker_processes_equal_in_process(pairs: tuple[torch.Tensor, ...]) -> None:
    from microexp.flow.parallel import shutdown_pools

    prev, nxt, _ = pairs
    try:
        pooled = compute_flow(prev, nxt, "torch", "cpu", workers=2, compile=False)
    finally:
        shutdown_pools()
    local = compute_flow(prev, nxt, "torch", "cpu", workers=1, compile=False)
    torch.testing.assert_close(pooled, local, atol=1e-4, rtol=0)


def test_dead_workers_fall_back_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from microexp.flow import parallel

    class Dead:
        def solve(self, *args: object) -> None:
            raise BrokenProcessPool("gone")

    monkeypatch.setattr(parallel, "_BROKEN", False)
    monkeypatch.setattr(parallel, "get_pool", lambda workers: Dead())
    prev, nxt, _ = make_pairs(2, 32, seed=6)
    with caplog.at_level(logging.WARNING, logger="microexp.flow"):
        flow = compute_flow(prev, nxt, "torch", "cpu", workers=2)
    assert "__main__" in caplog.text and not parallel.pools_usable()
    torch.testing.assert_close(flow, compute_flow(prev, nxt, "torch", "cpu", workers=1))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(
    monkeypatch: pytest.MonkeyPatch, pairs: tuple[torch.Tensor, ...]
) -> None:
    monkeypatch.delenv("MICROEXP_FLOW_COMPILE")
    prev, nxt, truth = pairs
    gpu = compute_flow(prev.cuda(), nxt.cuda(), "torch")
    assert gpu.is_cuda and gpu.shape == truth.shape
    cpu = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    assert float(endpoint_error(gpu, cpu).mean()) < 0.02
    eager = compute_flow(prev.cuda(), nxt.cuda(), "torch", compile=False)
    assert float(endpoint_error(eager, cpu).mean()) < 0.02
    # a batch equals its pairs one by one on the device too
    one = torch.cat(
        [compute_flow(prev[i : i + 1].cuda(), nxt[i : i + 1].cuda(), "torch") for i in range(3)]
    )
    torch.testing.assert_close(one, gpu[:3], atol=1e-3, rtol=0)
