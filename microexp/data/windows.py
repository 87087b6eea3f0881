"""What the loaders serve: training sequences, whole-clip evaluation items, their samplers (each
sharded by rank under distributed training) and the collate function.

Every item runs along its clip's chain, frames 0, s, 2s, ... (s = the frame stride): step t
moves chain frame a + t to a + t + 1 and carries the flow entry of the later frame. A training
item is the whole clip (``seq_len=None``, the default: the GRU then sees in training the
lengths it is evaluated on) or a window of ``seq_len`` steps from a random chain frame; an
evaluation item is the whole clip. An item is a dict: ``frames (T+1, 3, H, W) uint8``,
``flow (T, 2, H, W) float32`` (head motion removed), ``intensity``, ``state``, ``inside``,
``valid (T,)``, ``mask (T, 1, H, W)`` (the pseudo-masks), ``frame_numbers (T+1,)`` (absolute;
-1 on padding), ``label``, ``onset``, ``apex``, ``offset`` (absolute frame numbers),
``subject``, ``episode``, ``dataset``; training items also carry ``aug (4,)``, the similarity
transform's parameters. :func:`collate` stacks items into a batch, padding the time axis.
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
from microexp.data.targets import pseudo_masks


def _item(cd: PreparedClip, start: int, steps: int, threshold: float) -> dict[str, Any]:
    """``steps`` steps from chain frame ``start``; padded (valid False) past the clip's end."""
    chain = cd.chain
    if cd.flow is None or len(cd.flow) != len(chain):
        raise RuntimeError(f"{cd.clip.id}: flow of {len(chain)} chain entries expected")
    n_valid = int(min(steps, max(0, len(chain) - 1 - start)))
    entries = np.minimum(start + np.arange(steps + 1), start + n_valid)
    idx = chain[entries]  # frame indices
    later = idx[1:]
    valid = np.zeros(steps, bool)
    valid[:n_valid] = True
    flow = np.zeros((steps,) + cd.flow.shape[1:], np.float32)
    flow[:n_valid] = cd.motion(entries[1 : n_valid + 1])
    inside = cd.inside[later] & valid
    numbers = cd.numbers[idx].astype(np.int64)
    numbers[n_valid + 1 :] = -1
    return {
        "frames": torch.from_numpy(np.ascontiguousarray(cd.frames[idx])),
        "flow": torch.from_numpy(flow),
        "intensity": torch.from_numpy(np.where(valid, cd.intensity[later], 0).astype(np.float32)),
        "state": torch.from_numpy(np.where(valid, cd.states[later], 0).astype(np.int64)),
        "inside": torch.from_numpy(inside),
        "mask": torch.from_numpy(pseudo_masks(flow, inside, threshold).astype(np.float32)),
        "valid": torch.from_numpy(valid),
        "label": cd.label,
        "onset": cd.clip.onset,
        "apex": cd.clip.apex,
        "offset": cd.clip.offset,
        "subject": cd.clip.subject,
        "episode": cd.clip.episode,
        "dataset": cd.clip.dataset,
        "frame_numbers": torch.from_numpy(numbers),
    }


def steps_of(cd: PreparedClip) -> int:
    """Steps of the whole clip on its chain."""
    return len(cd.chain) - 1


@dataclass(eq=False)
class TrainSequences(Dataset):
    """``copies x clips`` virtual training items; item k is clip ``k % clips``. Indices arrive
    encoded as ``epoch * len + k`` (see :class:`EpochSampler`) so window and transform derive
    from ``(seed, epoch, k)`` alone: no extra disk or memory per copy.

    ``seq_len=None`` serves each clip whole; an int serves windows of that many steps (padded
    where the clip is shorter), and evaluation must then run in windows of the same length.
    """

    clips: Sequence[PreparedClip]
    _: KW_ONLY
    seq_len: int | None
    copies: int
    seed: int
    augment: AugmentConfig
    mask_threshold: float

    def __post_init__(self) -> None:
        if not self.clips:
            raise ValueError("no training clips")
        self.clips = list(self.clips)

    def __len__(self) -> int:
        return self.copies * len(self.clips)

    @property
    def labels(self) -> list[int]:
        """The class of each clip (-1: none)."""
        return [c.label for c in self.clips]

    def item(self, epoch: int, k: int) -> dict[str, Any]:
        """Item ``k`` of ``epoch`` (pure function of seed, epoch, k)."""
        cd = self.clips[k % len(self.clips)]
        if self.seq_len is None:
            out = _item(cd, 0, steps_of(cd), self.mask_threshold)
        else:
            rng = np.random.default_rng([self.seed, epoch, k, 0x5EED])
            start = int(rng.integers(0, max(0, steps_of(cd) - self.seq_len) + 1))
            out = _item(cd, start, self.seq_len, self.mask_threshold)
        out["aug"] = sample_params(self.augment, self.seed, epoch, k)
        return out

    def __getitem__(self, encoded: int) -> dict[str, Any]:
        epoch, k = divmod(int(encoded), len(self))
        return self.item(epoch, k)


@dataclass(eq=False)
class WholeClips(Dataset):
    """Evaluation items: each clip whole, along its chain from its first frame."""

    clips: Sequence[PreparedClip]
    _: KW_ONLY
    mask_threshold: float

    def __post_init__(self) -> None:
        self.clips = list(self.clips)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, k: int) -> dict[str, Any]:
        cd = self.clips[k]
        return _item(cd, 0, steps_of(cd), self.mask_threshold)


def balanced_draw(labels: Sequence[int], copies: int, seed: int, epoch: int) -> np.ndarray:
    """The items ``k`` of an epoch of ``copies * len(labels)`` draws in which every class
    (each label, -1 included) is drawn equally often in expectation: clip c with probability
    proportional to 1 / (clips of its class), and its n-th draw served as copy ``n % copies``
    (item ``c + len(labels) * copy``), so repeated draws get their own window and transform."""
    lab = np.asarray(labels)
    n = len(lab)
    _, inverse, counts = np.unique(lab, return_inverse=True, return_counts=True)
    p = 1.0 / counts[inverse]
    rng = np.random.default_rng([seed, epoch, 0xBA1])
    clips = rng.choice(n, size=copies * n, p=p / p.sum())
    seen = np.zeros(n, np.int64)
    out = np.empty_like(clips)
    for i, c in enumerate(clips):
        out[i] = c + n * (seen[c] % copies)
        seen[c] += 1
    return out


class EpochSampler(Sampler[int]):
    """Yields ``epoch * n + k`` for the epoch's items k (Lightning calls ``set_epoch``): a seeded
    permutation of all ``n`` items, or with ``labels`` (one per clip, ``n`` a multiple of their
    number) ``n`` class-balanced draws (:func:`balanced_draw`).

    Under distributed training each rank takes every ``world``-th draw of the epoch's order, the
    order first extended by its own head to a multiple of ``world`` (as ``DistributedSampler``
    pads): every rank runs the same number of steps, and the ranks' draws together are the
    epoch's."""

    def __init__(
        self, n: int, seed: int, shuffle: bool = True, labels: Sequence[int] | None = None
    ) -> None:
        if labels is not None and (not len(labels) or n % len(labels)):
            raise ValueError(f"{n} items are not copies of {len(labels)} labelled clips")
        self.n = n
        self.seed = seed
        self.shuffle = shuffle
        self.labels = None if labels is None else list(labels)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        order = np.arange(self.n)
        if self.labels is not None:
            copies = self.n // len(self.labels)
            order = balanced_draw(self.labels, copies, self.seed, self.epoch)
        elif self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch, 0x5A]).permutation(self.n)
        rank, world = rank_and_world()
        order = np.resize(order, len(self) * world)  # repeats the head to fill the last round
        for k in order[rank::world]:
            yield self.epoch * self.n + int(k)

    def __len__(self) -> int:
        return -(-self.n // rank_and_world()[1])


class EvalShard(Sampler[int]):
    """This rank's evaluation items: a contiguous block of ``range(n)`` (all of it in a single
    process). The blocks of the ranks partition the items without padding, so every clip is
    evaluated once, and what the ranks gather in rank order is in the dataset's order."""

    def __init__(self, n: int) -> None:
        self.n = n

    def _block(self) -> range:
        rank, world = rank_and_world()
        return range(rank * self.n // world, (rank + 1) * self.n // world)

    def __iter__(self) -> Iterator[int]:
        return iter(self._block())

    def __len__(self) -> int:
        return len(self._block())


def rank_and_world() -> tuple[int, int]:
    """This process's rank and the number of processes (0, 1 outside distributed runs)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


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
    for key in ("subject", "episode", "dataset"):
        out[key] = [it[key] for it in items]
    if "aug" in items[0]:
        out["aug"] = torch.stack([it["aug"] for it in items])
    return out
