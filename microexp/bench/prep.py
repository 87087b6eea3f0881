"""End-to-end preparation benchmark: reading, resizing and flow caching of a CASME II-sized set
(flow on each clip's chain, from the onset, computed at ``flow_size`` and shrunk: the data's
defaults), with our torch TV-L1 against OpenCV's, measured in the same run.

Generation is excluded. The torch backend prepares every clip; OpenCV, about four times slower
on a CPU, prepares every ``opencv_every``-th clip (its time for the whole set is extrapolated from
its own measured rate and reported as such). The ratio compares the measured per-pair rates of
the two end-to-end preparations (each from empty caches), so it does not depend on the sample.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from microexp.bench.machine import machine_info, timed


def _prepare(
    root: Path, cache: Path, backend: str, stride: int, every: int, flow_size: int
) -> dict[str, Any]:
    """Fill fresh frame and flow caches for every ``every``-th clip; time each part."""
    from microexp.data.store import ClipStore

    store = ClipStore(
        root,
        cache_dir=cache,
        flow_backend=backend,
        frame_stride=stride,
        flow_size=flow_size,
        progress=False,
    )
    ds, read_s = timed(store.read)
    ds = dataclasses.replace(ds, clips=ds.clips[::every])
    frames = store.frame_cache(ds)
    _, frames_s = timed(lambda: frames.fill(ds.clips, progress=False))
    usable = [c for c in ds.clips if len(c) > stride]
    stats, flow_s = timed(lambda: store.fill_flow(ds, usable))
    total = read_s + frames_s + flow_s
    return {
        "backend": backend,
        "clips": len(ds.clips),
        "frames": sum(len(c) for c in ds.clips),
        "pairs": stats.pairs,
        "read_sheet_s": round(read_s, 2),
        "frames_s": round(frames_s, 2),
        "flow_s": round(flow_s, 2),
        "seconds": round(total, 2),
        "pairs_per_s": round(stats.pairs / total, 2) if total > 0 else None,
    }


def bench_prep(
    subjects: int = 26,
    clips: int = 10,
    frame_stride: int = 4,
    opencv_every: int = 5,
    root: str | None = None,
    seed: int = 0,
    flow_size: int = 128,
) -> dict[str, Any]:
    """Prepare a CASME II-sized synthetic set (``subjects`` x ``clips``) with both backends."""
    from microexp.data.synthetic import generate

    with tempfile.TemporaryDirectory(prefix="microexp-prep-") as tmp:
        gen_s = None
        if root is None:
            root = str(Path(tmp) / "casme2")
            _, gen_s = timed(
                lambda: generate(root, subjects=subjects, clips=clips, seed=seed, progress=False)
            )
        src, out = Path(root), Path(tmp)
        torch_run = _prepare(src, out / "torch", "torch", frame_stride, 1, flow_size)
        cv_run = _prepare(src, out / "opencv", "opencv", frame_stride, opencv_every, flow_size)
    scale = torch_run["pairs"] / cv_run["pairs"] if cv_run["pairs"] else None
    cv_run["every"] = opencv_every
    cv_run["extrapolated_all_clips_s"] = round(cv_run["seconds"] * scale, 1) if scale else None
    ratio = (
        torch_run["pairs_per_s"] / cv_run["pairs_per_s"]
        if torch_run["pairs_per_s"] and cv_run["pairs_per_s"]
        else None
    )
    return {
        "dataset": f"synthetic {subjects}x{clips}" if gen_s is not None else root,
        "generate_s": None if gen_s is None else round(gen_s, 1),
        "frame_stride": frame_stride,
        "flow_size": flow_size,
        "torch": torch_run,
        "opencv": cv_run,
        "ratio": round(ratio, 3) if ratio else None,
        "machine": machine_info(),
    }


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--subjects", type=int, default=26)
    p.add_argument("--clips", type=int, default=10, help="clips per subject")
    p.add_argument("--frame-stride", type=int, default=4)
    p.add_argument(
        "--opencv-every", type=int, default=5, help="OpenCV prepares every k-th clip (default 5)"
    )
    p.add_argument("--root", default=None, help="a CASME II-layout folder (default: generate)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--flow-size", type=int, default=128, help="as data.flow_size (default 128)")


def run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_prep(
        a.subjects, a.clips, a.frame_stride, a.opencv_every, a.root, a.seed, a.flow_size
    )
