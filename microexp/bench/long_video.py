"""Long-video benchmark: frames per second and peak memory of the long-video path at two video
lengths, each measured in a fresh process (so the peaks are the length's own).

Per length: a synthetic CAS(ME)^2 video is written, then :meth:`VideoStore.stream` reads,
crops, resizes and turns it into lag-referenced flow chunk by chunk (``flow``), and the joint
network runs over the cached chunks with its GRU state carried (``network``,
:class:`~microexp.tasks.video_test.VideoTest`); both as input frames per second. Peak memory:
the process's resident set (``ru_maxrss``) and Python's allocations (``tracemalloc``). The
figure to watch is the ratio long / short of the peaks: about 1 when memory does not grow with
the video's length.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from microexp.bench.machine import machine_info

CHEAP_FLOW = {"nscales": 2, "warps": 1, "inner_iterations": 10, "outer_iterations": 2}


def measure(minutes: float, chunk: int, width: float, backend: str) -> dict[str, Any]:
    """One length, in this process: write, stream into the caches, run the network."""
    import torch

    from microexp.data.synthetic import generate_videos
    from microexp.data.video_store import VideoStore
    from microexp.data.video_windows import VideoChunks, collate_chunks
    from microexp.models.joint import JointNet
    from microexp.tasks.video_test import VideoTest

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "casme_sq"
        generate_videos(root, layout="casme_sq", subjects=1, videos=1, minutes=minutes,
                        workers=1, progress=False)  # fmt: skip
        store = VideoStore(
            root, cache_dir=Path(tmp) / "cache", size=64, flow_size=64, chunk=chunk,
            flow_backend=backend, flow_params=CHEAP_FLOW, progress=False,
        )  # fmt: skip
        ds = store.read()
        video = max(ds.videos, key=len)
        tracemalloc.start()
        t0 = time.perf_counter()
        store.stream(ds, video, store.flow_cache(ds))
        flow_s = time.perf_counter() - t0
        pv = next(v for v in store.prepare().videos if v.id == video.id)
        net = JointNet(width=width, image_size=64, temporal_features="decoder").eval()
        chunks, hook = VideoChunks([pv], chunk=chunk), VideoTest()
        t0 = time.perf_counter()
        for i in range(len(chunks)):
            hook.step(net, collate_chunks([chunks[i]]), chunk)
        net_s = time.perf_counter() - t0
        _, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "frames": len(video),
        "flow_frames_per_s": round(len(video) / flow_s, 2),
        "network_frames_per_s": round(len(video) / net_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_python_mb": round(py_peak / 2**20, 2),
    }


def bench_long_video(
    minutes: tuple[float, float] = (0.2, 0.8),
    chunk: int = 128,
    width: float = 0.25,
    backend: str = "opencv",
) -> dict[str, Any]:
    """Both lengths, each in a fresh Python process; the long / short ratios of the peaks."""
    runs = []
    for m in minutes:
        code = (
            "import json; from microexp.bench.long_video import measure; "
            f"print(json.dumps(measure({m}, {chunk}, {width}, {backend!r})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"long-video bench at {m} min failed: {done.stderr[-2000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    short, long = runs
    return {
        "input": "synthetic CAS(ME)^2 video, 192x144 frames, face crop, 64 px, lag-4 TV-L1 "
        f"({backend}, {CHEAP_FLOW}), width {width}, chunks of {chunk} steps",
        "runs": runs,
        "length_ratio": round(long["frames"] / short["frames"], 2),
        "peak_rss_ratio": round(long["peak_rss_mb"] / short["peak_rss_mb"], 3),
        "peak_python_ratio": round(long["peak_python_mb"] / max(short["peak_python_mb"], 1e-6), 3),
        "machine": machine_info(),
    }


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--minutes", type=float, nargs=2, default=[0.2, 0.8], help="two lengths")
    p.add_argument("--chunk", type=int, default=128, help="chain entries per chunk")
    p.add_argument("--width", type=float, default=0.25, help="network width")
    p.add_argument("--backend", choices=("torch", "opencv"), default="opencv")


def run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_long_video(tuple(a.minutes), a.chunk, a.width, a.backend)
