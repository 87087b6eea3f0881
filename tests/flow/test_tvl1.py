"""The torch TV-L1 solver as a whole: against known motion, OpenCV's flow and itself batched."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
import torch

from microexp.flow import clip_flow, compute_flow
from microexp.flow.synthetic import endpoint_error, make_pairs
from microexp.flow.tvl1 import TorchTVL1


def test_recovers_subpixel_motion(subpixel_pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, truth = subpixel_pairs
    flow = compute_flow(prev, nxt, "torch", "cpu", workers=1)
    assert flow.shape == truth.shape and flow.dtype == torch.float32
    epe = endpoint_error(flow, truth)
    # bounds that no motion at all fails (zero flow: 0.20-0.38 per pair, 0.29 on average;
    # TV-L1: 0.07-0.12, 0.10)
    still = endpoint_error(torch.zeros_like(truth), truth)
    assert float(epe.max()) < 0.15
    assert float(epe.mean()) < 0.12
    assert bool((epe < 0.7 * still).all()), (epe / still).tolist()


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
