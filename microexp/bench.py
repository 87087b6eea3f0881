"""Benchmarks (DESIGN §11): ``python -m microexp.bench <name> [options]``, one JSON object out.

Each benchmark is a function returning a dict and registered in :data:`BENCHMARKS` with the
function that adds its command-line options; ``all`` runs every registered one. Warm-up (process
start-up, compilation) is excluded from the timings and reported separately.

    python -m microexp.bench flow [--pairs N] [--size 64] [--repeat R] [--out FILE]
    python -m microexp.bench data [--root DIR] [--batches N] [--workers 0 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

__all__ = ["BENCHMARKS", "Benchmark", "bench_data", "bench_flow", "machine_info", "main"]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- machine
def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_info() -> dict[str, Any]:
    """Where the numbers were taken: CPU, load, library versions, GPU (or None)."""
    import cv2

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_avg": load,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "opencv": cv2.__version__,
        "gpu": gpu,
    }


# --------------------------------------------------------------------------- flow
def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


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
    import cv2

    from microexp.flow import TVL1Params, compute_flow
    from microexp.flow.opencv import OpenCVPool
    from microexp.flow.synthetic import endpoint_error, make_pairs

    n_workers = workers or os.cpu_count() or 1
    dev = (
        torch.device(device)
        if device
        else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    )
    params = TVL1Params()
    prev, nxt, truth = make_pairs(pairs, size, seed)

    # warm-up, not timed: worker processes, compilation
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

    def run_torch() -> torch.Tensor:
        flow = compute_flow(prev, nxt, "torch", dev, params=params, workers=torch_workers)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return flow

    best = {"single": float("inf"), "pool": float("inf"), "torch": float("inf")}
    flows: dict[str, torch.Tensor] = {}
    try:
        for _ in range(max(1, repeat)):
            flows["single"], t = _timed(lambda: compute_flow(prev, nxt, "opencv", workers=1))
            best["single"] = min(best["single"], t)
            flows["pool"], t = _timed(lambda: cv_pool.compute(prev, nxt, params))
            best["pool"] = min(best["pool"], t)
            flows["torch"], t = _timed(run_torch)
            best["torch"] = min(best["torch"], t)
    finally:
        cv_pool.close()

    rate = {k: pairs / v for k, v in best.items()}
    cv_best = "pool" if rate["pool"] > rate["single"] else "single"
    epe_cv = float(endpoint_error(flows["single"], truth).mean())
    epe_torch = float(endpoint_error(flows["torch"], truth).mean())
    from microexp.flow.tvl1 import compile_available

    return {
        "pairs": pairs,
        "size": size,
        "opencv": {
            "pairs_per_s": round(rate[cv_best], 2),
            "workers": n_workers if cv_best == "pool" else 1,
            "epe": round(epe_cv, 5),
            "single": {"pairs_per_s": round(rate["single"], 2), "threads": cv2.getNumThreads()},
            "pool": {"pairs_per_s": round(rate["pool"], 2), "workers": n_workers},
            "warmup_s": round(cv_warm, 2),
        },
        "torch": {
            "pairs_per_s": round(rate["torch"], 2),
            "device": str(dev),
            "epe": round(epe_torch, 5),
            "epe_vs_opencv": round(
                float(endpoint_error(flows["torch"], flows["single"]).mean()), 5
            ),
            "workers": torch_workers,
            "compile": compile_available(dev),
            "warmup_s": round(torch_warm, 2),
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


def _flow_run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_flow(a.pairs, a.size, a.repeat, a.device, a.workers, a.seed)


# --------------------------------------------------------------------------- data
def bench_data(
    root: str | None = None,
    subjects: int = 6,
    clips: int = 10,
    batches: int = 20,
    batch_size: int = 8,
    seq_len: int = 14,
    frame_stride: int = 4,
    workers: tuple[int, ...] = (0, 2),
    seed: int = 0,
) -> dict[str, Any]:
    """Augmented training sequences per second from the DataModule (windows, flow, masks,
    targets, collation and the on-device similarity transform), for each ``workers`` count.

    Without ``root`` a synthetic set is generated in a temporary folder first (not timed); the
    frame and flow caches are filled before timing (reported as ``prepare_s``).
    """
    import tempfile

    from microexp.data.datamodule import MicroExpDataModule
    from microexp.data.synthetic import generate

    with tempfile.TemporaryDirectory(prefix="microexp-bench-") as tmp:
        gen_s = None
        if root is None:
            root = str(Path(tmp) / "casme2")
            _, gen_s = _timed(
                lambda: generate(root, subjects=subjects, clips=clips, seed=seed, progress=False)
            )

        def module(n_workers: int) -> MicroExpDataModule:
            return MicroExpDataModule(
                root,
                cache_dir=str(Path(tmp) / "cache"),
                frame_stride=frame_stride,
                seq_len=seq_len,
                batch_size=batch_size,
                copies=1000,
                num_workers=n_workers,
                progress=False,
                seed=seed,
            )

        first = module(0)
        _, prepare_s = _timed(lambda: (first.prepare_data(), first.setup("fit")))
        rates: dict[str, Any] = {}
        for n_workers in workers:
            dm = module(n_workers)
            dm.data = first.data
            dm.setup("fit")
            loader = iter(dm.train_dataloader())
            dm.on_after_batch_transfer(next(loader), 0)  # warm-up: worker start, first batch
            t0 = time.perf_counter()
            seqs = 0
            for _ in range(batches):
                batch = dm.on_after_batch_transfer(next(loader), 0)
                seqs += batch["frames"].shape[0]
            dt = time.perf_counter() - t0
            rates[str(n_workers)] = {
                "sequences_per_s": round(seqs / dt, 2),
                "sequences": seqs,
                "seconds": round(dt, 3),
            }
            del loader
        return {
            "root": root if gen_s is None else "synthetic (generated)",
            "clips": len(first.data.clips),
            "generate_s": None if gen_s is None else round(gen_s, 2),
            "prepare_s": round(prepare_s, 2),
            "batch_size": batch_size,
            "seq_len": seq_len,
            "frame_stride": frame_stride,
            "workers": rates,
            "machine": machine_info(),
        }


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default=None, help="a CASME II-layout folder (default: generate)")
    p.add_argument("--subjects", type=int, default=6, help="generated subjects (default 6)")
    p.add_argument("--clips", type=int, default=10, help="generated clips per subject")
    p.add_argument("--batches", type=int, default=20, help="timed batches per setting")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seq-len", type=int, default=14)
    p.add_argument("--frame-stride", type=int, default=4)
    p.add_argument("--workers", type=int, nargs="+", default=[0, 2], help="loader workers")
    p.add_argument("--seed", type=int, default=0)


def _data_run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_data(
        a.root,
        a.subjects,
        a.clips,
        a.batches,
        a.batch_size,
        a.seq_len,
        a.frame_stride,
        tuple(a.workers),
        a.seed,
    )


# --------------------------------------------------------------------------- registry / CLI
@dataclass(frozen=True)
class Benchmark:
    """A benchmark: adds its options to a sub-parser and runs from the parsed namespace."""

    add_args: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], dict[str, Any]]
    help: str


#: name -> benchmark; ``all`` runs each with its defaults. Others add theirs here.
BENCHMARKS: dict[str, Benchmark] = {
    "flow": Benchmark(_flow_args, _flow_run, "TV-L1: torch vs OpenCV throughput and accuracy"),
    "data": Benchmark(_data_args, _data_run, "augmented training sequences per second"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microexp.bench", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="name", required=True)
    for name, b in BENCHMARKS.items():
        sp = sub.add_parser(name, help=b.help)
        b.add_args(sp)
        sp.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    sp = sub.add_parser("all", help="every benchmark with its defaults")
    sp.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    return parser


def _defaults(name: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    BENCHMARKS[name].add_args(p)
    return p.parse_args([])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse ``argv``, run, print the JSON on stdout (and write it to ``--out``)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.name == "all":
        result: dict[str, Any] = {
            name: BENCHMARKS[name].run(_defaults(name)) for name in BENCHMARKS
        }
        result["machine"] = machine_info()
    else:
        result = BENCHMARKS[args.name].run(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
