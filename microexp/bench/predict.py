"""Inference benchmark: input frames per second of ``microexp.predict`` on a long clip.

The whole pipeline after decoding is timed: resizing, TV-L1 flow between frames ``stride``
apart, head-motion compensation and the joint network (GRU state carried across chunks), at the
default configuration (width 0.25, stride 4) and the paper's (width 1.0, stride 1). The network
is untrained: weights do not change the cost.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from microexp.bench.machine import machine_info, peak_rss_mb

#: name -> (width, frame stride, temporal features)
CONFIGS: dict[str, tuple[float, int, str]] = {
    "default": (0.25, 4, "decoder"),
    "paper": (1.0, 1, "likelihood"),
}


def _frames(n: int, side: int, seed: int) -> list[np.ndarray]:
    """A synthetic face clip of ``n`` frames (``side`` x ``side`` RGB), already cropped."""
    from microexp.flow.synthetic import face_images

    base = face_images(side, 1)[0]
    if base.ndim == 2:
        base = np.repeat(base[..., None], 3, axis=2)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 2.0, size=(n, *base.shape))
    return [np.clip(base + noise[i], 0, 255).astype(np.uint8) for i in range(n)]


def bench_predict(
    frames: int = 400,
    side: int = 128,
    configs: tuple[str, ...] = ("default", "paper"),
    seed: int = 0,
) -> dict[str, Any]:
    """Time :meth:`microexp.predict.Predictor.run` on ``frames`` frames per config."""
    import torch

    from microexp.classes import CLASSES_5
    from microexp.models.joint import JointNet
    from microexp.predict import Model, Predictor

    clip = _frames(frames, side, seed)
    runs: dict[str, Any] = {}
    # one thread: stable figures (several threads oversubscribe the cores on a shared machine)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    for name in configs:
        width, stride, features = CONFIGS[name]
        torch.manual_seed(seed)
        net = JointNet(width=width, num_classes=len(CLASSES_5), temporal_features=features)
        predictor = Predictor(Model(net=net, classes=tuple(CLASSES_5), frame_stride=stride))
        predictor.run(clip[: 4 * stride + 1])  # warm-up: thread pools, first calls
        result = predictor.run(clip)
        runs[name] = {
            "width": width,
            "frame_stride": stride,
            "frames": result.frames,
            "steps": result.steps,
            "seconds": round(result.seconds, 3),
            "frames_per_s": round(result.frames_per_second, 2),
            "peak_rss_mb": peak_rss_mb(),
            "torch_threads": 1,
        }
    torch.set_num_threads(threads)
    return {
        "input": f"{frames} frames of {side}x{side} (already cropped)",
        "runs": runs,
        "machine": machine_info(),
    }


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--frames", type=int, default=400, help="input frames (default 400 = 2 s)")
    p.add_argument("--side", type=int, default=128, help="input frame side (resized to 64)")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))


def run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_predict(a.frames, a.side, tuple(a.configs))
