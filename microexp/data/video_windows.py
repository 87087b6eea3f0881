"""What the long-video loaders serve, in the items of :mod:`microexp.data.windows` (so its
:func:`~microexp.data.windows.collate` and the joint task take them as they are).

* :class:`VideoWindows`: training windows of ``seq_len`` steps, a share of them drawn around an
  expression (the window holds its apex) and the rest anywhere in a video (mostly away from
  expressions, as most of a long video is); each item a pure function of ``(seed, epoch, k)``.
* :class:`VideoChunks`: every test video cut into consecutive chunks of ``chunk`` steps, in
  order, for whole-video inference that carries the GRU state from one chunk to the next
  (``video``, ``first`` and ``last`` say where a chunk lies).

Step t of an item moves chain frame a + t to a + t + 1 and carries the flow entry of the later
frame (its displacement since the frame ``flow_lag`` earlier).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from microexp.data.augment import AugmentConfig, sample_params
from microexp.data.video_store import PreparedVideo
from microexp.data.windows import collate


def video_item(pv: PreparedVideo, start: int, steps: int) -> dict[str, Any]:
    """``steps`` steps of ``pv`` from chain frame ``start``; padded (valid False) past its end."""
    n = int(min(steps, max(0, pv.steps - start)))
    valid = np.zeros(steps, bool)
    valid[:n] = True
    frames = pv.frames(start, start + n + 1)
    if n < steps:
        frames = np.concatenate([frames, np.repeat(frames[-1:], steps - n, 0)])
    flow = np.zeros((steps, 2, *frames.shape[-2:]), np.float32)
    flow[:n] = pv.motion(start + 1, start + n + 1)
    later = np.arange(start + 1, start + 1 + steps).clip(max=pv.steps)
    numbers = np.full(steps + 1, -1, np.int64)
    numbers[: n + 1] = pv.numbers[start : start + n + 1]
    return {
        "frames": torch.from_numpy(frames),
        "flow": torch.from_numpy(flow),
        "intensity": torch.from_numpy(np.where(valid, pv.intensity[later], 0).astype(np.float32)),
        "state": torch.zeros(steps, dtype=torch.int64),
        "inside": torch.from_numpy(pv.inside[later] & valid),
        "mask": torch.zeros(steps, 1, *frames.shape[-2:], dtype=torch.uint8),
        "valid": torch.from_numpy(valid),
        "label": pv.label,
        "onset": -1,
        "apex": -1,
        "offset": -1,
        "subject": pv.subject,
        "episode": pv.video.video,
        "dataset": pv.video.dataset,
        "frame_numbers": torch.from_numpy(numbers),
    }


@dataclass(eq=False)
class VideoWindows(Dataset):
    """``copies`` training windows per training expression per epoch (at least ``copies``)
    over ``videos``; a share ``around`` of them holds an expression's apex (drawn uniformly
    over the expressions), the others start anywhere (videos drawn by length). Indices
    arrive as ``epoch * len + k``
    (:class:`~microexp.data.windows.EpochSampler`)."""

    clips: list[PreparedVideo]  # named as the clip datasets' (the job counts their labels)
    _: KW_ONLY
    seq_len: int
    copies: int
    around: float
    seed: int
    augment: AugmentConfig

    def __post_init__(self) -> None:
        if not self.clips:
            raise ValueError("no training videos")
        if not 0.0 <= self.around <= 1.0:
            raise ValueError(f"around must be in [0, 1], got {self.around}")
        self.apexes = [
            (v, int(np.searchsorted(pv.numbers, e.apex)))
            for v, pv in enumerate(self.clips)
            for e in pv.video.expressions
        ]
        lengths = np.array([max(1, pv.steps - self.seq_len + 1) for pv in self.clips], float)
        self.weights = lengths / lengths.sum()

    def __len__(self) -> int:
        return self.copies * max(1, len(self.apexes))

    def window(self, epoch: int, k: int) -> tuple[int, int]:
        """``(video, start)`` of item ``k`` of ``epoch``."""
        rng = np.random.default_rng([self.seed, epoch, k, 0x51DE])
        if self.apexes and rng.random() < self.around:
            v, apex = self.apexes[int(rng.integers(len(self.apexes)))]
            low = apex - self.seq_len
            start = int(rng.integers(low, apex)) if self.seq_len > 1 else low
        else:
            v = int(rng.choice(len(self.clips), p=self.weights))
            start = int(rng.integers(0, max(1, self.clips[v].steps - self.seq_len + 1)))
        last = max(0, self.clips[v].steps - self.seq_len)
        return v, min(max(start, 0), last)

    def __getitem__(self, encoded: int) -> dict[str, Any]:
        epoch, k = divmod(int(encoded), len(self))
        v, start = self.window(epoch, k)
        out = video_item(self.clips[v], start, self.seq_len)
        out["aug"] = sample_params(self.augment, self.seed, epoch, k)
        return out


@dataclass(eq=False)
class VideoChunks(Dataset):
    """Each video in consecutive chunks of ``chunk`` steps (the last one shorter), in order."""

    videos: list[PreparedVideo]
    _: KW_ONLY
    chunk: int

    def __post_init__(self) -> None:
        if self.chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {self.chunk}")
        self.items = [
            (v, a) for v, pv in enumerate(self.videos) for a in range(0, pv.steps, self.chunk)
        ]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, Any]:
        v, a = self.items[i]
        pv = self.videos[v]
        steps = min(self.chunk, pv.steps - a)
        out = video_item(pv, a, steps)
        out["video"] = v
        out["first"] = a == 0
        out["last"] = a + steps >= pv.steps
        return out


def collate_chunks(items: list[dict[str, Any]]) -> dict[str, Any]:
    """:func:`~microexp.data.windows.collate`, keeping where each chunk lies (``video``,
    ``first``, ``last``)."""
    out = collate(items)
    for key in ("video", "first", "last"):
        out[key] = [it[key] for it in items]
    return out
