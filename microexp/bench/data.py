"""DataModule benchmark: augmented training sequences per second."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from microexp.bench.machine import machine_info, timed


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
            _, gen_s = timed(
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
        _, prepare_s = timed(lambda: (first.prepare_data(), first.setup("fit")))
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
