"""``MicroExpDataModule``: one LightningDataModule for the spatial, temporal and joint stages.

Pipeline: (optionally generate a synthetic CASME II) -> read the dataset with
:func:`microexp.data.casme2.load_casme2` -> decode, crop and resize every clip's frames once into
a frame cache -> compute TV-L1 flow once into the flow cache -> targets per frame -> split by
subject -> training windows (random, ``seq_len`` steps, ``copies`` virtual augmented copies) and
whole-clip evaluation items.

``frame_stride`` s: the network runs at (frame rate / s). A step moves from frame i to frame i+s;
the flow cache holds the flow from every frame i to i+s (as many pairs as consecutive flow), so a
training window may start at any frame, and evaluation runs over frames 0, s, 2s, ... of a clip.
Micro-expressions move a fraction of a pixel per frame at 200 fps; a stride of a few frames makes
that motion measurable by TV-L1 at 64x64.

A batch is a dict: ``frames (B, T+1, 3, H, W) uint8``, ``flow (B, T, 2, H, W) float32``,
``intensity (B, T)``, ``state (B, T)``, ``label (B,)``, ``mask (B, T, 1, H, W)``,
``valid (B, T)``, ``inside (B, T)`` (spotting labels), ``onset``, ``apex``, ``offset`` (B,)
(absolute frame numbers), ``subject``, ``episode`` (lists),
``frame_numbers (B, T+1)`` (absolute; -1 on padding); training batches also carry ``aug (B, 4)``,
consumed on the device by :meth:`MicroExpDataModule.on_after_batch_transfer`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from microexp.data.augment import AugmentConfig, augment_batch, sample_params
from microexp.data.datasets import read_clips
from microexp.data.face import FaceDetector
from microexp.data.frames import FrameReadError, load_frames
from microexp.data.records import Clip, ClipSet, DataFormatError, Skip
from microexp.data.splits import Split, holdout_clips_split, holdout_split, loso_split
from microexp.data.targets import (
    compensate_head_motion,
    in_interval,
    intensity_curve,
    motion_region,
    target_states,
)
from microexp.io import atomic_save_npy, read_npy, safe_name

log = logging.getLogger(__name__)

SPLITS = ("loso", "holdout", "holdout_clips")


@dataclass
class ClipData:
    """A clip ready for training: cached frames and flow, targets for every frame."""

    clip: Clip
    frames: np.ndarray  # (N, 3, H, W) uint8
    flow: np.ndarray  # (N - s, 2, H, W) float16: flow[i] moves frame i to frame i + s
    numbers: np.ndarray  # (N,) absolute frame numbers
    intensity: np.ndarray  # (N,) float32
    states: np.ndarray  # (N,) int64
    inside: np.ndarray  # (N,) bool
    region: np.ndarray  # (H, W) bool: the clip's moving region (pseudo-mask)

    @property
    def label(self) -> int:
        return -1 if self.clip.label is None else int(self.clip.label)


@dataclass
class PreparedData:
    """What :meth:`MicroExpDataModule.prepare` built (kept for the run summary)."""

    dataset: ClipSet
    clips: list[ClipData]
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class FrameCache:
    """Decoded, cropped and resized frames per clip, stored once as uint8 ``.npy``.

    Keyed by the dataset fingerprint, size and crop mode. A clip whose frames cannot be decoded
    gets an ``.error`` file naming the frame, so the skip is reported on every later run.
    """

    def __init__(self, root: Path, fingerprint: str, size: int, crop: str | None) -> None:
        self.dir = Path(root) / "frames" / f"{fingerprint}-{size}-{crop or 'none'}"
        self.size = size
        self.crop = crop

    def path(self, clip: Clip) -> Path:
        return self.dir / f"{safe_name(clip.id)}.npy"

    def error(self, clip: Clip) -> str | None:
        p = self.dir / f"{safe_name(clip.id)}.error"
        return p.read_text(errors="replace") if p.is_file() else None

    def load(self, clip: Clip) -> np.ndarray | None:
        """The cached frames, or None when missing or damaged."""
        path = self.path(clip)
        if not path.is_file():
            return None
        try:
            arr = read_npy(path)
        except (ValueError, OSError, EOFError) as exc:
            log.warning("frame cache entry %s is damaged (%s): recomputing", path, exc)
            return None
        if arr.shape != (len(clip), 3, self.size, self.size) or arr.dtype != np.uint8:
            log.warning("frame cache entry %s has shape %s: recomputing", path, arr.shape)
            return None
        return arr

    def fill(self, clips: Sequence[Clip], workers: int | None = None, progress: bool = True):
        """Decode every clip not yet cached. Returns {clip id: error} for clips that failed."""
        todo = [c for c in clips if self.load(c) is None and self.error(c) is None]
        failures = {c.id: e for c in clips if (e := self.error(c)) is not None}
        if not todo:
            return failures
        detector = FaceDetector() if self.crop == "face" else None

        def work(clip: Clip) -> tuple[Clip, str | None]:
            try:
                loaded = load_frames(clip.frames, self.size, crop=self.crop, detector=detector)
            except FrameReadError as exc:
                return clip, str(exc)
            for note in loaded.notes:
                log.info("%s: %s", clip.id, note)
            atomic_save_npy(self.path(clip), loaded.frames.numpy())
            return clip, None

        from rich.progress import Progress

        workers = workers or min(8, os.cpu_count() or 1)
        with (
            Progress(transient=True, disable=not progress) as bar,
            ThreadPoolExecutor(workers) as pool,
        ):
            task = bar.add_task("decoding frames", total=len(todo))
            for clip, err in pool.map(work, todo):
                if err is not None:
                    self.dir.mkdir(parents=True, exist_ok=True)
                    (self.dir / f"{safe_name(clip.id)}.error").write_text(err)
                    failures[clip.id] = err
                    log.warning("skipping %s: %s", clip.id, err)
                bar.advance(task)
        return failures


# --------------------------------------------------------------------------------------------
# datasets


def _window(cd: ClipData, start: int, steps: int, stride: int) -> dict[str, Any]:
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


class TrainWindows(Dataset):
    """``copies x clips`` virtual items; item k is clip ``k % clips``. Indices arrive encoded as
    ``epoch * len + k`` (see :class:`EpochSampler`) so window and transform derive from
    ``(seed, epoch, k)`` alone: no extra disk or memory per copy."""

    def __init__(
        self,
        clips: Sequence[ClipData],
        *,
        seq_len: int,
        stride: int,
        copies: int,
        seed: int,
        augment: AugmentConfig,
        compensate: bool,
    ) -> None:
        if not clips:
            raise ValueError("no training clips")
        self.clips = list(clips)
        self.seq_len = seq_len
        self.stride = stride
        self.copies = copies
        self.seed = seed
        self.augment = augment
        self.compensate = compensate

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


class WholeClips(Dataset):
    """Evaluation items: each clip whole, at the stride, from its first frame."""

    def __init__(self, clips: Sequence[ClipData], *, stride: int, compensate: bool) -> None:
        self.clips = list(clips)
        self.stride = stride
        self.compensate = compensate

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


# --------------------------------------------------------------------------------------------
# the DataModule


class MicroExpDataModule(pl.LightningDataModule):
    """CASME II (or its synthetic twin, read through the same loader) for every stage.

    Args:
        root: dataset folder in the CASME II layout.
        dataset: the release's reader (``microexp.data.datasets.READERS``).
        protocol: ``"5"`` or ``"7"`` classes.
        tree: frame tree (``auto``, ``cropped``, ``raw`` or a folder name).
        sheet: coding sheet path, if not found under ``root``.
        synthetic: generator arguments (``subjects``, ``clips``, ``seed``, ...): when given and
            ``root`` is missing or empty, a synthetic CASME II is written there first.
        size: network input side in pixels.
        crop: ``auto`` (face crop on raw frames, none on cropped ones), ``face`` or ``none``.
        cache_dir: where decoded frames and flow are cached.
        flow_backend, flow_params, flow_device: TV-L1 backend and parameters for the cache.
        split: ``loso``, ``holdout`` or ``holdout_clips`` (clip-level; comparison only).
        fold: LOSO fold (the fold-th subject in natural order is left out).
        val_subjects: number of (or list of) training subjects held out for validation.
        train_fraction: holdout training fraction.
        split_seed: seed of the holdout / validation draw.
        seq_len: training window length in steps (the paper: 14).
        frame_stride: frames per step.
        copies: virtual augmented copies of each training clip per epoch (the paper: 150).
        batch_size, eval_batch_size, num_workers, pin_memory: loader settings.
        augment: :class:`AugmentConfig` fields.
        intensity: ``linear`` or ``cosine`` target ramps.
        mask_quantile: quantile of the pseudo-mask threshold.
        compensate_head: subtract each step's median flow (head motion).
        seed: seed of the windows, transforms and shuffling.
        progress: show progress bars.
    """

    def __init__(
        self,
        root: str,
        *,
        dataset: str = "casme2",
        protocol: str = "5",
        tree: str = "auto",
        sheet: str | None = None,
        synthetic: dict[str, Any] | None = None,
        size: int = 64,
        crop: str = "auto",
        cache_dir: str = ".cache/microexp",
        flow_backend: str = "torch",
        flow_params: dict[str, Any] | None = None,
        flow_device: str | None = None,
        split: str = "loso",
        fold: int = 0,
        val_subjects: int | Sequence[str] = 0,
        train_fraction: float = 0.7,
        split_seed: int = 0,
        seq_len: int = 14,
        frame_stride: int = 1,
        copies: int = 1,
        batch_size: int = 8,
        eval_batch_size: int = 4,
        num_workers: int = 0,
        pin_memory: bool = False,
        augment: dict[str, Any] | AugmentConfig | None = None,
        intensity: str = "linear",
        mask_quantile: float = 0.9,
        compensate_head: bool = True,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        super().__init__()
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
        if frame_stride < 1 or seq_len < 1 or copies < 1:
            raise ValueError("frame_stride, seq_len and copies must be >= 1")
        self.root = Path(root).expanduser()
        self.dataset = dataset
        self.protocol = str(protocol)
        self.tree = tree
        self.sheet = sheet
        self.synthetic = dict(synthetic) if synthetic else None
        self.size = size
        self.crop = crop
        self.cache_dir = Path(cache_dir).expanduser()
        self.flow_backend = flow_backend
        self.flow_params = dict(flow_params or {})
        self.flow_device = flow_device
        self.split_name = split
        self.fold = fold
        self.val_subjects = val_subjects if isinstance(val_subjects, int) else list(val_subjects)
        self.train_fraction = train_fraction
        self.split_seed = split_seed
        self.seq_len = seq_len
        self.frame_stride = frame_stride
        self.copies = copies
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        if isinstance(augment, AugmentConfig):
            self.augment = augment
        else:
            aug = dict(augment or {})
            if "scale" in aug:
                aug["scale"] = tuple(aug["scale"])
            self.augment = AugmentConfig(**aug)
        self.intensity = intensity
        self.mask_quantile = mask_quantile
        self.compensate_head = compensate_head
        self.seed = seed
        self.progress = progress
        self.data: PreparedData | None = None
        self.split: Split | None = None
        self.train_set: TrainWindows | None = None
        self.val_set: WholeClips | None = None
        self.test_set: WholeClips | None = None
        self._sampler: EpochSampler | None = None

    # ---------------------------------------------------------------- preparation

    def _crop_mode(self, ds: ClipSet) -> str | None:
        if self.crop == "auto":
            return "face" if ds.tree_kind == "raw" else None
        return None if self.crop == "none" else self.crop

    def _flow_cache(self, fingerprint: str):
        from microexp.flow.cache import FlowCache
        from microexp.flow.params import TVL1Params

        return FlowCache(
            self.cache_dir / "flow",
            fingerprint=fingerprint,
            size=self.size,
            backend=self.flow_backend,
            params=TVL1Params.from_kwargs(**self.flow_params),
            device=self.flow_device,
            step=self.frame_stride,
        )

    def _read(self) -> ClipSet:
        return read_clips(
            self.dataset, self.root, protocol=self.protocol, tree=self.tree, sheet=self.sheet
        )

    def prepare_data(self) -> None:
        """Generate the synthetic set if asked and absent, then fill the frame and flow caches.

        Lightning calls this once (on the main process) before :meth:`setup`."""
        self._ensure_dataset()
        ds = self._read()
        self._fill_caches(ds)

    def _ensure_dataset(self) -> None:
        if self.synthetic is None:
            if not self.root.is_dir():
                raise FileNotFoundError(
                    f"dataset folder {self.root} does not exist: set data.root to your CASME II "
                    "folder (the one holding the coding sheet and Cropped/ or "
                    "CASME2_RAW_selected/)"
                )
            return
        if self.root.is_dir() and any(self.root.iterdir()):
            return
        from microexp.data.synthetic import generate

        log.info("generating a synthetic CASME II in %s (%s)", self.root, self.synthetic)
        generate(self.root, progress=self.progress, **self.synthetic)

    def _fill_caches(self, ds: ClipSet) -> dict[str, str]:
        fingerprint = ds.fingerprint()
        frames = FrameCache(self.cache_dir, fingerprint, self.size, self._crop_mode(ds))
        failures = frames.fill(ds.clips, progress=self.progress)
        flow = self._flow_cache(f"{fingerprint}-{self.size}-{self._crop_mode(ds) or 'none'}")
        todo = [
            (c.id, (lambda c=c: torch.from_numpy(np.array(frames.load(c)))), len(c))
            for c in ds.clips
            if c.id not in failures and len(c) > self.frame_stride
        ]
        stats = flow.fill(todo, progress=self.progress)
        log.info("flow cache: %s", stats)
        return failures

    def prepare(self) -> PreparedData:
        """Read the dataset and its caches (filling them if needed) into :class:`ClipData`."""
        self._ensure_dataset()
        ds = self._read()
        failures = self._fill_caches(ds)
        fingerprint = ds.fingerprint()
        crop = self._crop_mode(ds)
        frames = FrameCache(self.cache_dir, fingerprint, self.size, crop)
        flow = self._flow_cache(f"{fingerprint}-{self.size}-{crop or 'none'}")
        skipped = list(ds.skipped)
        clips: list[ClipData] = []
        for clip in ds.clips:
            if clip.id in failures:
                skipped.append(Skip(clip.subject, clip.episode, failures[clip.id]))
                continue
            if len(clip) <= self.frame_stride:
                skipped.append(
                    Skip(
                        clip.subject,
                        clip.episode,
                        f"{len(clip)} frames: too short for frame_stride={self.frame_stride}",
                    )
                )
                continue
            arr = frames.load(clip)
            fl = flow.load(clip.id, len(clip))
            if arr is None or fl is None:  # pragma: no cover - filled just above
                raise RuntimeError(f"cache for {clip.id} is missing after filling it")
            clips.append(self._clip_data(clip, arr, fl))
        if not clips:
            reasons = "; ".join(f"{s.subject}/{s.episode}: {s.reason}" for s in skipped[:5])
            more = f" (+{len(skipped) - 5} more)" if len(skipped) > 5 else ""
            raise DataFormatError(
                f"no usable clips in {self.root}: {len(skipped)} skipped"
                + (f" ({reasons}{more})" if reasons else "")
            )
        self.data = PreparedData(ds, clips, skipped, list(ds.notes))
        return self.data

    def _clip_data(self, clip: Clip, frames: np.ndarray, flow: np.ndarray) -> ClipData:
        numbers = np.asarray(clip.frame_numbers, np.int64)
        intensity = intensity_curve(numbers, clip.onset, clip.apex, clip.offset, self.intensity)
        states = target_states(numbers, clip.onset, clip.apex, clip.offset, intensity)
        s = self.frame_stride
        start = int(np.searchsorted(numbers, clip.onset))
        chain = np.arange(start % s, len(numbers) - s, s)  # a chain through the onset
        region = motion_region(
            np.asarray(flow[chain], np.float32),
            numbers[chain + s],
            clip.onset,
            clip.apex,
            clip.offset,
            quantile=self.mask_quantile,
            compensate=self.compensate_head,
        )
        return ClipData(
            clip=clip,
            frames=frames,
            flow=flow,
            numbers=numbers,
            intensity=intensity,
            states=states,
            inside=in_interval(numbers, clip.onset, clip.offset),
            region=region,
        )

    def _make_split(self, clips: Sequence[ClipData]) -> Split:
        subjects = [c.clip.subject for c in clips]
        if self.split_name == "loso":
            return loso_split(
                subjects, self.fold, val_subjects=self.val_subjects, seed=self.split_seed
            )
        if self.split_name == "holdout":
            return holdout_split(
                subjects,
                train_fraction=self.train_fraction,
                seed=self.split_seed,
                val_subjects=self.val_subjects,
            )
        log.warning(
            "split=holdout_clips mixes a subject's clips between train and test: "
            "results are not subject-independent (for comparison with papers only)"
        )
        return holdout_clips_split(
            [c.clip.id for c in clips], train_fraction=self.train_fraction, seed=self.split_seed
        )

    def setup(self, stage: str | None = None) -> None:
        """Apply the split and build the datasets (reads caches; fills them if needed)."""
        if self.data is None:
            self.prepare()
        assert self.data is not None
        try:
            self.split = self._make_split(self.data.clips)
        except ValueError as exc:  # too few subjects for the split, a fold that does not exist
            subjects = sorted({c.clip.subject for c in self.data.clips})
            raise DataFormatError(
                f"cannot make the {self.split_name} split of the usable clips in {self.root} "
                f"(subjects: {', '.join(subjects)}): {exc}"
            ) from exc
        key = (lambda c: c.clip.id) if self.split.by == "clip" else (lambda c: c.clip.subject)
        parts: dict[str, list[ClipData]] = {"train": [], "val": [], "test": []}
        for cd in self.data.clips:
            part = self.split.part_of(key(cd))
            if part is not None:
                parts[part].append(cd)
        if not parts["train"]:
            raise DataFormatError(
                f"no training clips in {self.root}: the {self.split.name} split of the "
                f"{len(self.data.clips)} usable clip(s) (subjects: "
                f"{', '.join(sorted({c.clip.subject for c in self.data.clips}))}) leaves none "
                "for training"
            )
        self.train_set = TrainWindows(
            parts["train"],
            seq_len=self.seq_len,
            stride=self.frame_stride,
            copies=self.copies,
            seed=self.seed,
            augment=self.augment,
            compensate=self.compensate_head,
        )
        self.val_set = (
            WholeClips(parts["val"], stride=self.frame_stride, compensate=self.compensate_head)
            if parts["val"]
            else None
        )
        self.test_set = WholeClips(
            parts["test"], stride=self.frame_stride, compensate=self.compensate_head
        )
        log.info(
            "split %s%s: %d train / %d val / %d test clips",
            self.split.name,
            f" fold {self.split.fold} (test {', '.join(self.split.test)})"
            if self.split.fold is not None
            else "",
            len(parts["train"]),
            len(parts["val"]),
            len(parts["test"]),
        )

    # ---------------------------------------------------------------- loaders

    def _loader(self, dataset: Dataset, batch_size: int, sampler=None) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            shuffle=False,
            num_workers=self.num_workers,
            collate_fn=collate,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
            drop_last=False,
        )

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None, "call setup() first"
        self._sampler = EpochSampler(len(self.train_set), self.seed)
        return self._loader(self.train_set, self.batch_size, self._sampler)

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None:
            return []
        return self._loader(self.val_set, self.eval_batch_size)

    def test_dataloader(self) -> DataLoader:
        assert self.test_set is not None, "call setup() first"
        return self._loader(self.test_set, self.eval_batch_size)

    def predict_dataloader(self) -> DataLoader:
        return self.test_dataloader()

    def on_after_batch_transfer(self, batch: dict, dataloader_idx: int) -> dict:
        """Apply the per-sequence similarity transform on the device (training batches)."""
        params = batch.pop("aug", None)
        if params is not None and self.augment.enabled:
            batch = augment_batch(batch, params)
        return batch

    # ---------------------------------------------------------------- reporting

    @property
    def class_names(self) -> tuple[str, ...]:
        from microexp.classes import PROTOCOLS

        return PROTOCOLS[self.protocol]

    def summary(self) -> dict[str, Any]:
        """What the run summary reports about the data: usable clips, skips and their reasons."""
        if self.data is None:
            return {}
        d = self.data
        out: dict[str, Any] = {
            "root": str(self.root),
            "fingerprint": d.dataset.fingerprint(),
            "frames_tree": d.dataset.frames_tree.name,
            "clips": len(d.clips),
            "subjects": len({c.clip.subject for c in d.clips}),
            "skipped": len(d.skipped),
            "skipped_reasons": [
                {"subject": s.subject, "episode": s.episode, "reason": s.reason} for s in d.skipped
            ],
            "notes": d.notes,
            "frame_stride": self.frame_stride,
        }
        if self.split is not None:
            out["split"] = {
                "name": self.split.name,
                "fold": self.split.fold,
                "train": list(self.split.train),
                "val": list(self.split.val),
                "test": list(self.split.test),
            }
            out["train_clips"] = len(self.train_set.clips) if self.train_set else 0
            out["val_clips"] = len(self.val_set) if self.val_set else 0
            out["test_clips"] = len(self.test_set) if self.test_set else 0
        return out

    def summary_json(self) -> str:
        return json.dumps(self.summary(), indent=2)
