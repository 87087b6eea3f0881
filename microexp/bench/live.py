"""Live benchmark: the input frames per second ``predict --live`` sustains at stride 1 (a 30 fps
camera with a checkpoint trained on 20 ms steps) at the default width, beside the offline rate
of the same frames, on ``threads`` torch threads (the target: 30 frames/s on 2 CPU cores).

Every stage of a live step is timed on 640x480 frames of a face that moves slowly: the
registration to the first frame, TV-L1 flow from the first frame at the flow size (eager: live
never compiles), the network a few steps at a time with its GRU state carried, and online
spotting. The network is untrained: weights do not change the cost.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import cv2
import numpy as np

from microexp.bench.machine import machine_info, peak_rss_mb

#: What a live run should sustain: a 30 fps camera at stride 1.
TARGET_FPS = 30.0
CANVAS = (640, 480)


def _frames(n: int, side: int, seed: int) -> tuple[list[np.ndarray], Any]:
    """``n`` 640x480 frames of a ``side``-pixel face drifting slowly (0.2 px and 0.05 degrees a
    frame), with sensor noise; and the face's box in the first frame."""
    from microexp.data.face import Box
    from microexp.flow.synthetic import face_images

    face = face_images(side, 1)[0]
    w, h = CANVAS
    canvas = np.full((h, w, 3), 120, np.uint8)
    x0, y0 = (w - side) // 2, (h - side) // 2
    canvas[y0 : y0 + side, x0 : x0 + side] = face
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.05 * i, 1.0)
        m[:, 2] += (0.2 * i, 0.1 * i)
        moved = cv2.warpAffine(canvas, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        noisy = moved.astype(np.float32) + rng.normal(0, 2.0, moved.shape).astype(np.float32)
        frames.append(np.clip(noisy, 0, 255).astype(np.uint8))
    return frames, Box(x0, y0, x0 + side, y0 + side)


def _run(model: Any, frames: list[np.ndarray], face: Any, chunk: int) -> dict[str, float]:
    """One pass as ``predict --live`` makes it; seconds per stage."""
    from microexp.data.face import expand_box
    from microexp.predict.align import Aligner
    from microexp.predict.crop import CropChoice
    from microexp.predict.online import OnlineSpotter
    from microexp.predict.streaming import StreamingInference

    start = time.perf_counter()
    crop = CropChoice(expand_box(face, frames[0].shape, 0.25), face, "bench")
    align = Aligner(crop, frames[0])
    stream = StreamingInference(model, chunk)
    spotter = OnlineSpotter(model.spot)
    registering = 0.0
    for i, frame in enumerate(frames):
        t = time.perf_counter()
        face_crop = align(frame, i)
        registering += time.perf_counter() - t
        stream.push(i, face_crop)
        for number, value, p in zip(*stream.take(), strict=True):
            spotter.push(int(number), float(value), p)
    for number, value, p in zip(*stream.finish(), strict=True):
        spotter.push(int(number), float(value), p)
    spotter.finish()
    return {"seconds": time.perf_counter() - start, "registration_s": registering}


def bench_live(
    frames: int = 120, width: float = 0.25, threads: int = 2, side: int = 240, seed: int = 0
) -> dict[str, Any]:
    """Input frames/s of the live pipeline (chunk ``LIVE_CHUNK``) and of the offline one
    (chunk ``DEFAULT_CHUNK``) at stride 1, and the live rate against :data:`TARGET_FPS`."""
    import torch

    from microexp.classes import CLASSES_5
    from microexp.models.joint import JointNet
    from microexp.predict import Model
    from microexp.predict.live import LIVE_CHUNK
    from microexp.predict.streaming import DEFAULT_CHUNK

    clip, face = _frames(frames, side, seed)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    net = JointNet(width=width, num_classes=len(CLASSES_5))
    # the default data settings (conf/data/casme2.yaml) at stride 1
    model = Model(net=net, classes=tuple(CLASSES_5), frame_stride=1, flow_size=128)
    _run(model, clip[: 2 * LIVE_CHUNK + 1], face, LIVE_CHUNK)  # warm-up: pools, first calls
    runs = {}
    for name, chunk in (("live", LIVE_CHUNK), ("offline", DEFAULT_CHUNK)):
        timed = _run(model, clip, face, chunk)
        runs[name] = {
            "chunk": chunk,
            "seconds": round(timed["seconds"], 3),
            "frames_per_s": round(frames / timed["seconds"], 2),
            "registration_ms_per_frame": round(1000 * timed["registration_s"] / frames, 2),
        }
    torch.set_num_threads(before)
    live = runs["live"]["frames_per_s"]
    return {
        "input": f"{frames} frames of 640x480, a {side}-pixel face, stride 1, width {width}",
        "torch_threads": threads,
        "runs": runs,
        "target_fps": TARGET_FPS,
        "live_vs_target": round(live / TARGET_FPS, 3),
        "meets_target": live >= TARGET_FPS,
        "live_vs_offline": round(live / runs["offline"]["frames_per_s"], 3),
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine_info(),
    }


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--frames", type=int, default=120, help="input frames (default 120)")
    p.add_argument("--width", type=float, default=0.25, help="network width (default 0.25)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")


def run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_live(a.frames, a.width, a.threads)
