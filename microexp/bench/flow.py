"""TV-L1 benchmark: our batched torch solver against OpenCV's on the same pairs."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from typing import Any

import torch

from microexp.bench.machine import machine_info, timed


def bench_flow(
    pairs: int = 128,
    size: int = 64,
    repeat: int = 2,
    device: str | None = None,
    workers: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Time OpenCV's and our TV-L1 on the same face pairs with known motion.

    OpenCV runs in this process and in a pool of one worker per core (``workers``); the faster
    is reported as ``opencv``. The torch backend runs on ``device`` (default CUDA if present,
    else the CPU with one worker process per core). Each measurement is repeated ``repeat``
    times, interleaved, and the best kept. ``epe`` is the mean end-point error against the
    ground truth (border excluded, see :func:`microexp.flow.synthetic.endpoint_error`).
    """
    from microexp.flow import TVL1Params
    from microexp.flow.synthetic import make_pairs

    n_workers = workers or os.cpu_count() or 1
    dev = (
        torch.device(device)
        if device
        else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    )
    params = TVL1Params()
    prev, nxt, truth = make_pairs(pairs, size, seed)
    warm = _warm_up(n_workers, dev, params, size)
    try:
        best, flows = _time_backends(prev, nxt, params, dev, warm, repeat)
    finally:
        warm.cv_pool.close()
    return _result(pairs, size, repeat, dev, n_workers, warm, best, flows, truth)


@dataclass
class _Warm:
    """The backends once warmed up (not timed): OpenCV's pool, the torch workers, and the
    seconds each warm-up took."""

    cv_pool: Any
    cv_warm: float
    torch_workers: int
    torch_warm: float


def _warm_up(n_workers: int, dev: torch.device, params: Any, size: int) -> _Warm:
    """Start the worker processes and compile, so that the timed runs measure work only."""
    from microexp.flow.opencv import OpenCVPool

    t0 = time.perf_counter()
    cv_pool = OpenCVPool(n_workers)
    cv_warm = time.perf_counter() - t0
    torch_workers = n_workers if dev.type == "cpu" else 1
    t0 = time.perf_counter()
    if dev.type == "cpu" and torch_workers > 1:
        from microexp.flow.parallel import get_pool

        get_pool(torch_workers).warmup(params, size=size)
    else:
        from microexp.flow import get_engine

        get_engine(params, dev, None).warmup(size)
    torch_warm = time.perf_counter() - t0
    return _Warm(cv_pool, cv_warm, torch_workers, torch_warm)


def _time_backends(
    prev: torch.Tensor,
    nxt: torch.Tensor,
    params: Any,
    dev: torch.device,
    warm: _Warm,
    repeat: int,
) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """Best seconds and the flow of OpenCV in this process (``single``), OpenCV's pool
    (``pool``) and the torch backend (``torch``), runs interleaved ``repeat`` times."""
    from microexp.flow import compute_flow

    def run_torch() -> torch.Tensor:
        flow = compute_flow(prev, nxt, "torch", dev, params=params, workers=warm.torch_workers)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return flow

    best = {"single": float("inf"), "pool": float("inf"), "torch": float("inf")}
    flows: dict[str, torch.Tensor] = {}
    for _ in range(max(1, repeat)):
        flows["single"], t = timed(lambda: compute_flow(prev, nxt, "opencv", workers=1))
        best["single"] = min(best["single"], t)
        flows["pool"], t = timed(lambda: warm.cv_pool.compute(prev, nxt, params))
        best["pool"] = min(best["pool"], t)
        flows["torch"], t = timed(run_torch)
        best["torch"] = min(best["torch"], t)
    return best, flows


def _result(
    pairs: int,
    size: int,
    repeat: int,
    dev: torch.device,
    n_workers: int,
    warm: _Warm,
    best: dict[str, float],
    flows: dict[str, torch.Tensor],
    truth: torch.Tensor,
) -> dict[str, Any]:
    """The benchmark's JSON object: rates, end-point errors, warm-up times, the machine."""
    import cv2

    from microexp.flow.compiled import compile_available
    from microexp.flow.synthetic import endpoint_error

    rate = {k: pairs / v for k, v in best.items()}
    cv_best = "pool" if rate["pool"] > rate["single"] else "single"
    epe_cv = float(endpoint_error(flows["single"], truth).mean())
    epe_torch = float(endpoint_error(flows["torch"], truth).mean())
    return {
        "pairs": pairs,
        "size": size,
        "opencv": {
            "pairs_per_s": round(rate[cv_best], 2),
            "workers": n_workers if cv_best == "pool" else 1,
            "epe": round(epe_cv, 5),
            "single": {"pairs_per_s": round(rate["single"], 2), "threads": cv2.getNumThreads()},
            "pool": {"pairs_per_s": round(rate["pool"], 2), "workers": n_workers},
            "warmup_s": round(warm.cv_warm, 2),
        },
        "torch": {
            "pairs_per_s": round(rate["torch"], 2),
            "device": str(dev),
            "epe": round(epe_torch, 5),
            "epe_vs_opencv": round(
                float(endpoint_error(flows["torch"], flows["single"]).mean()), 5
            ),
            "workers": warm.torch_workers,
            "compile": compile_available(dev),
            "warmup_s": round(warm.torch_warm, 2),
        },
        "ratio": round(rate["torch"] / rate[cv_best], 3),
        "epe_ratio": round(epe_torch / epe_cv, 4) if epe_cv > 0 else None,
        "repeat": repeat,
        "machine": machine_info(),
    }


def _flow_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pairs", type=int, default=128, help="frame pairs (default 128)")
    p.add_argument("--size", type=int, default=64, help="image side in pixels (default 64)")
    p.add_argument("--repeat", type=int, default=2, help="timed runs per backend; best kept")
    p.add_argument("--device", default=None, help="torch backend device (default cuda if any)")
    p.add_argument("--workers", type=int, default=None, help="CPU processes (default: cores)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--flow-size",
        type=int,
        default=128,
        help="also measure at this side, data.flow_size's default (0: no; default 128)",
    )


def _flow_run(a: argparse.Namespace) -> dict[str, Any]:
    """``bench_flow`` at ``--size``; at ``--flow-size`` too, its figures under ``at_<side>``
    and its torch/OpenCV ratio as ``ratio_<side>``."""
    result = bench_flow(a.pairs, a.size, a.repeat, a.device, a.workers, a.seed)
    side = a.flow_size
    if side and side != a.size:
        more = bench_flow(a.pairs, side, a.repeat, a.device, a.workers, a.seed)
        result[f"ratio_{side}"] = more["ratio"]
        result[f"at_{side}"] = {k: more[k] for k in ("opencv", "torch", "ratio", "epe_ratio")}
    return result
