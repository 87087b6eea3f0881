"""A tiny synthetic CAS(ME)^2 long-video set and its store, for the tests of the long-video
path (coarse TV-L1 at 32 px on every other frame: seconds to build)."""

from __future__ import annotations

from pathlib import Path

from microexp.data.synthetic import generate_videos
from microexp.data.video_store import VideoStore

#: TV-L1 cut down to a coarse, fast flow: the tests compare caches, not flow quality.
CHEAP_FLOW = {"nscales": 1, "warps": 1, "inner_iterations": 5, "outer_iterations": 2}


def tiny_store(folder: Path, **options) -> VideoStore:
    """Write the set under ``folder`` and return its store (opencv flow, chunks of 16)."""
    root = folder / "casme_sq"
    generate_videos(root, layout="casme_sq", subjects=2, videos=1, minutes=0.04, progress=False)
    settings = dict(
        size=32, flow_size=32, flow_lag=4, frame_stride=2, chunk=16, flow_backend="opencv",
        flow_params=CHEAP_FLOW, cache_dir=folder / "cache", progress=False,
    )  # fmt: skip
    return VideoStore(root, **(settings | options))
