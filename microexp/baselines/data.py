"""The baselines' view of a dataset: the network's clips, frames and flow, from the same caches.

:func:`load_data` reads the dataset with :func:`microexp.data.casme2.load_casme2` and decodes
frames through the network's :class:`~microexp.data.datamodule.FrameCache`; :func:`attach_flow`
(HOOF) reads or fills the network's :class:`~microexp.flow.cache.FlowCache`, keyed exactly as
:class:`~microexp.data.datamodule.MicroExpDataModule` keys it, so that baselines and network share
one cache and see the same clips: a clip the network skips (undecodable, or too short for the
frame stride) is skipped here too, with the same reason. The flow is attached apart, for the
clips that need it only, because it is by far the costliest part on a CPU and only HOOF uses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from microexp.baselines import SPLITS
from microexp.data.datasets.casme2 import load_casme2
from microexp.data.records import Clip, ClipSet, Skip
from microexp.data.splits import Split, holdout_clips_split, holdout_split, loso_split
from microexp.data.targets import in_interval, intensity_curve

if TYPE_CHECKING:
    from microexp.flow.cache import FlowCache

log = logging.getLogger(__name__)


class BaselineError(ValueError):
    """Bad input for the baselines (split, fold, options); the message says what to change."""


@dataclass
class BaselineClip:
    """One usable clip: its cached frames (and flow), frame numbers and targets."""

    clip: Clip
    frames: np.ndarray  # (N, 3, S, S) uint8, memory-mapped from the frame cache
    numbers: np.ndarray  # (N,) absolute frame numbers
    target: np.ndarray  # (N,) target intensity (DESIGN §5)
    inside: np.ndarray  # (N,) bool: frame inside [onset, offset]
    flow: np.ndarray | None = None  # (N - step, 2, S, S) float16, flow i -> i + step

    @property
    def label(self) -> int:
        return -1 if self.clip.label is None else int(self.clip.label)


@dataclass
class BaselineData:
    """Usable clips, skips and where the caches are."""

    dataset: ClipSet
    clips: list[BaselineClip]
    skipped: list[Skip] = field(default_factory=list)
    frame_stride: int = 4
    size: int = 64
    crop: str | None = None
    cache_dir: Path = Path(".cache/microexp")

    @property
    def classes(self) -> tuple[str, ...]:
        return self.dataset.classes

    def summary(self) -> dict[str, Any]:
        """The ``data/*`` fields of ``metrics.json``, as the network reports them."""
        return {
            "clips": len(self.clips),
            "subjects": len({c.clip.subject for c in self.clips}),
            "skipped": len(self.skipped),
            "skipped_reasons": [
                {"subject": s.subject, "episode": s.episode, "reason": s.reason}
                for s in self.skipped
            ],
            "fingerprint": self.dataset.fingerprint(),
            "frame_stride": self.frame_stride,
        }


def crop_mode(crop: str, tree_kind: str) -> str | None:
    """The frame crop, by MicroExpDataModule's rule: ``auto`` crops faces on raw frames only."""
    if crop == "auto":
        return "face" if tree_kind == "raw" else None
    return None if crop == "none" else crop


def flow_cache(
    cache_dir: Path,
    fingerprint: str,
    *,
    size: int,
    crop: str | None,
    backend: str,
    step: int,
    params: dict[str, Any] | None = None,
    device: str | None = None,
) -> FlowCache:
    """The network's flow cache for this dataset (same key as MicroExpDataModule's)."""
    from microexp.flow.cache import FlowCache
    from microexp.flow.params import TVL1Params

    return FlowCache(
        Path(cache_dir) / "flow",
        fingerprint=f"{fingerprint}-{size}-{crop or 'none'}",
        size=size,
        backend=backend,
        params=TVL1Params.from_kwargs(**(params or {})),
        device=device,
        step=step,
    )


def load_data(
    root: str | Path,
    *,
    protocol: str = "5",
    tree: str = "auto",
    size: int = 64,
    crop: str = "auto",
    cache_dir: str | Path = ".cache/microexp",
    frame_stride: int = 4,
    progress: bool = True,
) -> BaselineData:
    """Read the dataset and its cached frames (decoding what is not cached yet). The flow is
    attached afterwards, only where needed, by :func:`attach_flow`.

    Raises:
        CASME2FormatError: the dataset cannot be read (the message names the file).
        BaselineError: no clip is usable.
    """
    from microexp.data.datamodule import FrameCache

    if frame_stride < 1:
        raise BaselineError(f"frame_stride must be >= 1, got {frame_stride}")
    ds = load_casme2(root, protocol=protocol, tree=tree)
    crop_used = crop_mode(crop, ds.tree_kind)
    frames = FrameCache(Path(cache_dir), ds.fingerprint(), size, crop_used)
    failures = frames.fill(ds.clips, progress=progress)
    skipped = list(ds.skipped)
    clips: list[BaselineClip] = []
    for c in ds.clips:
        if c.id in failures:
            skipped.append(Skip(c.subject, c.episode, failures[c.id]))
            continue
        if len(c) <= frame_stride:
            reason = f"{len(c)} frames: too short for frame_stride={frame_stride}"
            skipped.append(Skip(c.subject, c.episode, reason))
            continue
        arr = frames.load(c)
        if arr is None:  # pragma: no cover - filled just above
            raise RuntimeError(f"frame cache for {c.id} is missing after filling it")
        numbers = np.asarray(c.frame_numbers, np.int64)
        clips.append(
            BaselineClip(
                clip=c,
                frames=arr,
                numbers=numbers,
                target=intensity_curve(numbers, c.onset, c.apex, c.offset),
                inside=in_interval(numbers, c.onset, c.offset),
            )
        )
    for skip in skipped:
        log.info("skipped %s/%s: %s", skip.subject, skip.episode, skip.reason)
    if not clips:
        raise BaselineError(f"no usable clips in {root} (skipped: {len(skipped)})")
    return BaselineData(ds, clips, skipped, frame_stride, size, crop_used, Path(cache_dir))


def attach_flow(
    data: BaselineData,
    clip_ids: set[str] | None = None,
    *,
    backend: str = "torch",
    params: dict[str, Any] | None = None,
    progress: bool = True,
) -> FlowCache:
    """Give clips (those in ``clip_ids``, or all) their TV-L1 flow from the network's cache,
    computing what is missing (the costly part on a CPU: a training-free method needs the flow
    of its test clips only)."""
    import torch

    cache = flow_cache(
        data.cache_dir,
        data.dataset.fingerprint(),
        size=data.size,
        crop=data.crop,
        backend=backend,
        step=data.frame_stride,
        params=params,
    )
    chosen = [c for c in data.clips if clip_ids is None or c.clip.id in clip_ids]
    todo = [
        (c.clip.id, (lambda c=c: torch.from_numpy(np.array(c.frames))), len(c.numbers))
        for c in chosen
    ]
    stats = cache.fill(todo, progress=progress)
    log.info("flow cache %s: %s", cache.dir, stats)
    for c in chosen:
        c.flow = cache.load(c.clip.id, len(c.numbers))
        if c.flow is None:  # pragma: no cover - filled just above
            raise RuntimeError(f"flow cache for {c.clip.id} is missing after filling it")
    return cache


def make_splits(
    clips: list[BaselineClip],
    split: str,
    folds: list[int] | None = None,
    *,
    train_fraction: float = 0.7,
    seed: int = 0,
) -> list[Split]:
    """The splits to run: the LOSO ``folds`` (all when None), or the one holdout split.

    Same rules as the network's (:mod:`microexp.data.splits`), no validation subjects.
    """
    subjects = sorted({c.clip.subject for c in clips})
    if split == "loso":
        n = len(subjects)
        chosen = list(range(n)) if folds is None else folds
        bad = [f for f in chosen if not 0 <= f < n]
        if bad:
            raise BaselineError(
                f"LOSO fold(s) {bad} do not exist: there are {n} subjects (folds 0-{n - 1})"
            )
        return [loso_split(subjects, f) for f in chosen]
    if split == "holdout":
        if len(subjects) < 2:
            raise BaselineError(f"a holdout split needs at least 2 subjects, got {len(subjects)}")
        return [holdout_split(subjects, train_fraction=train_fraction, seed=seed)]
    if split == "holdout_clips":
        log.warning(
            "split=holdout_clips mixes a subject's clips between train and test: "
            "results are not subject-independent (for comparison with papers only)"
        )
        return [
            holdout_clips_split(
                [c.clip.id for c in clips], train_fraction=train_fraction, seed=seed
            )
        ]
    raise BaselineError(f"split must be one of {SPLITS}, not {split!r}")


def split_parts(clips: list[BaselineClip], split: Split) -> dict[str, list[BaselineClip]]:
    """The clips of each part (``train``, ``val``, ``test``) of a split."""
    parts: dict[str, list[BaselineClip]] = {"train": [], "val": [], "test": []}
    for c in clips:
        part = split.part_of(c.clip.id if split.by == "clip" else c.clip.subject)
        if part is not None:
            parts[part].append(c)
    return parts
