"""What the loaders serve: training windows, whole-clip evaluation items, the epoch sampler and
the collate function.

A step moves from frame i to frame i + s (the frame stride s); a training window may start at
any frame, and evaluation runs over frames 0, s, 2s, ... of a clip. An item is a dict:
``frames (T+1, 3, H, W) uint8``, ``flow (T, 2, H, W) float32``, ``intensity``, ``state``,
``inside``, ``valid (T,)``, ``mask (T, 1, H, W)``, ``frame_numbers (T+1,)`` (absolute; -1 on
padding), ``label``, ``onset``, ``apex``, ``offset`` (absolute frame numbers), ``subject``,
``episode``; training items also carry ``aug (4,)``, the similarity transform's parameters.
:func:`collate` stacks items into a batch, padding the time axis.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from microexp.data.augment import AugmentConfig, sample_params
from microexp.data.store import PreparedClip
from microexp.data.targets import compensate_head_motion


def _window(cd: PreparedClip, start: int, steps: int, stride: int) -> dict[str, Any]:
    """``steps`` steps from frame ``start`` at ``stride``; padded (valid False) past the end."""
    n = len(cd.numbers)
    idx = start + stride * np.arange(steps + 1)
    n_valid = int(min(steps, max(0, (n - 1 - start) // stride)))
    idx = np.minimum(idx, start + stride * n_valid)
    later = idx[1:]
    flow = np.zeros((steps,) + cd.flow.shape[1:], np.float32)
    flow[:n_valid] = cd.flow[idx[:n_valid]]
    valid = np.zeros(steps, bool)
    valid[:n_valid] = True
    numbers = cd.numbers[idx].astype(np.int64)
    numbers[n_valid + 1 :] = -1
    inside = cd.inside[later] & valid
    mask = (cd.region[None, None] & inside[:, None, None, None]).astype(np.float32)
    return {
        "frames": torch.from_numpy(np.ascontiguousarray(cd.frames[idx])),
        "flow": torch.from_numpy(flow),
        "intensity": torch.from_numpy(np.where(valid, cd.intensity[later], 0).astype(np.float32)),
        "state": torch.from_numpy(np.where(valid, cd.states[later], 0).astype(np.int64)),
        "inside": torch.from_numpy(inside),
        "mask": torch.from_numpy(mask),
        "valid": torch.from_numpy(valid),
        "label": cd.label,
        "onset": cd.clip.onset,
        "apex": cd.clip.apex,
        "offset": cd.clip.offset,
        "subject": cd.clip.subject,
        "episode": cd.clip.episode,
        "frame_numbers": torch.from_numpy(numbers),
    }


@dataclass(eq=False)
class TrainWindows(Dataset):
    """``copies x clips`` virtual items; item k is clip ``k % clips``. Indices arrive encoded as
    ``epoch * len + k`` (see :class:`EpochSampler`) so window and transform derive from
    ``(seed, epoch, k)`` alone: no extra disk or memory per copy."""

    clips: Sequence[PreparedClip]
    _: KW_ONLY
    seq_len: int
    stride: int
    copies: int
    seed: int
    augment: AugmentConfig
    compensate: bool

    def __post_init__(self) -> None:
        if not self.clips:
            raise ValueError("no training clips")
        self.clips = list(self.clips)

    def __len__(self) -> int:
        return self.copies * len(self.clips)

    def item(self, epoch: int, k: int) -> dict[str, Any]:
        """Item ``k`` of ``epoch`` (pure function of seed, epoch, k)."""
        cd = self.clips[k % len(self.clips)]
        rng = np.random.default_rng([self.seed, epoch, k, 0x5EED])
        last_start = max(0, len(cd.numbers) - 1 - self.seq_len * self.stride)
        start = int(rng.integers(0, last_start + 1))
        out = _window(cd, start, self.seq_len, self.stride)
        if self.compensate:
            out["flow"] = _compensate(out["flow"])
        out["aug"] = sample_params(self.augment, self.seed, epoch, k)
        return out

    def __getitem__(self, encoded: int) -> dict[str, Any]:
        epoch, k = divmod(int(encoded), len(self))
        return self.item(epoch, k)


def _compensate(flow: torch.Tensor) -> torch.Tensor:
    if flow.numel() == 0:
        return flow
    return torch.from_numpy(compensate_head_motion(flow.numpy()))


@dataclass(eq=False)
class WholeClips(Dataset):
    """Evaluation items: each clip whole, at the stride, from its first frame."""

    clips: Sequence[PreparedClip]
    _: KW_ONLY
    stride: int
    compensate: bool

    def __post_init__(self) -> None:
        self.clips = list(self.clips)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, k: int) -> dict[str, Any]:
        cd = self.clips[k]
        steps = (len(cd.numbers) - 1) // self.stride
        out = _window(cd, 0, steps, self.stride)
        if self.compensate:
            out["flow"] = _compensate(out["flow"])
        return out


class EpochSampler(Sampler[int]):
    """Yields ``epoch * n + k`` for a seeded permutation of k (Lightning calls ``set_epoch``).

    Under distributed training each rank takes every ``world``-th index."""

    def __init__(self, n: int, seed: int, shuffle: bool = True) -> None:
        self.n = n
        self.seed = seed
        self.shuffle = shuffle
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _rank(self) -> tuple[int, int]:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        return 0, 1

    def __iter__(self) -> Iterator[int]:
        order = np.arange(self.n)
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch, 0x5A]).permutation(self.n)
        rank, world = self._rank()
        for k in order[rank::world]:
            yield self.epoch * self.n + int(k)

    def __len__(self) -> int:
        rank, world = self._rank()
        return len(range(rank, self.n, world))


def collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack items, padding the time axis to the longest (``valid`` marks real steps)."""
    t = max(int(it["valid"].shape[0]) for it in items)
    out: dict[str, Any] = {}

    def pad(x: torch.Tensor, length: int, value: float | None = None) -> torch.Tensor:
        if x.shape[0] == length:
            return x
        if value is None:  # repeat the last entry (frames)
            extra = x[-1:].expand(length - x.shape[0], *x.shape[1:])
        else:
            extra = torch.full((length - x.shape[0], *x.shape[1:]), value, dtype=x.dtype)
        return torch.cat([x, extra], 0)

    out["frames"] = torch.stack([pad(it["frames"], t + 1) for it in items])
    out["frame_numbers"] = torch.stack([pad(it["frame_numbers"], t + 1, -1) for it in items])
    for key in ("flow", "intensity", "state", "inside", "mask", "valid"):
        out[key] = torch.stack([pad(it[key], t, 0) for it in items])
    for key in ("label", "onset", "apex", "offset"):
        out[key] = torch.tensor([it[key] for it in items], dtype=torch.long)
    out["subject"] = [it["subject"] for it in items]
    out["episode"] = [it["episode"] for it in items]
    if "aug" in items[0]:
        out["aug"] = torch.stack([it["aug"] for it in items])
    return out
