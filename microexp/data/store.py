"""The data store: a release's clips prepared once for every consumer.

:class:`ClipStore` reads the release through the reader registry (writing a synthetic one first
when asked), decodes, crops and resizes every clip's frames once into a :class:`FrameCache`,
computes TV-L1 flow once into a :class:`~microexp.flow.cache.FlowCache` (flow from frame i to
i + ``frame_stride``), and returns :class:`PreparedData`: one :class:`PreparedClip` per usable
clip with its targets, and every clip it could not use counted as a :class:`Skip` with the
reason. The DataModule and the baselines read the same caches through it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from microexp.data.datasets import read_clips
from microexp.data.face import FaceDetector
from microexp.data.frames import FrameReadError, load_frames
from microexp.data.records import Clip, ClipSet, DataFormatError, Skip
from microexp.data.splits import Split
from microexp.data.targets import in_interval, intensity_curve, motion_region, target_states
from microexp.io import atomic_save_npy, read_npy, safe_name
from microexp.progress import progress_bar

if TYPE_CHECKING:
    from microexp.flow.cache import FillStats, FlowCache

log = logging.getLogger(__name__)


@dataclass
class PreparedClip:
    """A usable clip: cached frames (and flow, once attached), targets for every frame."""

    clip: Clip
    frames: np.ndarray  # (N, 3, H, W) uint8, memory-mapped from the frame cache
    numbers: np.ndarray  # (N,) absolute frame numbers
    intensity: np.ndarray  # (N,) float32 target intensity
    states: np.ndarray  # (N,) int64 target states
    inside: np.ndarray  # (N,) bool: frame inside [onset, offset]
    flow: np.ndarray | None = None  # (N - s, 2, H, W) float16: flow[i] moves frame i to i + s
    region: np.ndarray | None = None  # (H, W) bool: the moving region (pseudo-mask), with flow

    @property
    def label(self) -> int:
        return -1 if self.clip.label is None else int(self.clip.label)


@dataclass
class PreparedData:
    """What :meth:`ClipStore.prepare` built: usable clips, skips with reasons, reader notes."""

    dataset: ClipSet
    clips: list[PreparedClip]
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def parts(self, split: Split) -> dict[str, list[PreparedClip]]:
        """The clips of each part (``train``, ``val``, ``test``) of ``split``."""
        parts: dict[str, list[PreparedClip]] = {"train": [], "val": [], "test": []}
        for c in self.clips:
            part = split.part_of_clip(c.clip)
            if part is not None:
                parts[part].append(c)
        return parts

    def summary(self) -> dict[str, Any]:
        """The dataset's part of a run summary: usable clips, skips and their reasons."""
        return {
            "fingerprint": self.dataset.fingerprint(),
            "frames_tree": self.dataset.frames_tree.name,
            "clips": len(self.clips),
            "subjects": len({c.clip.subject for c in self.clips}),
            "skipped": len(self.skipped),
            "skipped_reasons": [
                {"subject": s.subject, "episode": s.episode, "reason": s.reason}
                for s in self.skipped
            ],
            "notes": self.notes,
        }


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

    def fill(
        self, clips: Sequence[Clip], workers: int | None = None, progress: bool = True
    ) -> dict[str, str]:
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

        workers = workers or min(8, os.cpu_count() or 1)
        with (
            progress_bar(progress, len(todo), "decoding frames", "clips", transient=True) as done,
            ThreadPoolExecutor(workers) as pool,
        ):
            for clip, err in pool.map(work, todo):
                if err is not None:
                    self.dir.mkdir(parents=True, exist_ok=True)
                    (self.dir / f"{safe_name(clip.id)}.error").write_text(err)
                    failures[clip.id] = err
                    log.warning("skipping %s: %s", clip.id, err)
                done(1)
        return failures


@dataclass
class ClipStore:
    """Where a release's clips are prepared, and how.

    Args:
        root: the release's folder.
        dataset: its reader (``microexp.data.datasets.READERS``).
        protocol, tree, sheet: the reader's options.
        synthetic: generator arguments: when given and ``root`` is missing or empty, a
            synthetic CASME II is written there first.
        size: frame side in pixels.
        crop: ``auto`` (face crop on raw frames, none on cropped ones), ``face`` or ``none``.
        cache_dir: where decoded frames and flow are cached.
        flow_backend, flow_params, flow_device: TV-L1 backend and parameters for the cache.
        frame_stride: the flow step s; clips of s frames or fewer are skipped.
        intensity: ``linear`` or ``cosine`` target ramps.
        mask_quantile: quantile of the pseudo-mask threshold.
        compensate_head: subtract each step's median flow before the pseudo-mask.
        progress: show progress bars.
    """

    root: Path
    dataset: str = "casme2"
    protocol: str = "5"
    tree: str = "auto"
    sheet: str | None = None
    synthetic: dict[str, Any] | None = None
    size: int = 64
    crop: str = "auto"
    cache_dir: Path = Path(".cache/microexp")
    flow_backend: str = "torch"
    flow_params: dict[str, Any] = field(default_factory=dict)
    flow_device: str | None = None
    frame_stride: int = 1
    intensity: str = "linear"
    mask_quantile: float = 0.9
    compensate_head: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()
        self.cache_dir = Path(self.cache_dir).expanduser()

    # ------------------------------------------------------------------ caches
    def crop_mode(self, ds: ClipSet) -> str | None:
        """The frame crop: ``auto`` crops faces on raw frames only."""
        if self.crop == "auto":
            return "face" if ds.tree_kind == "raw" else None
        return None if self.crop == "none" else self.crop

    def frame_cache(self, ds: ClipSet) -> FrameCache:
        return FrameCache(self.cache_dir, ds.fingerprint(), self.size, self.crop_mode(ds))

    def flow_cache(self, ds: ClipSet) -> FlowCache:
        """The flow cache of ``ds``: keyed by its fingerprint, size, crop mode, backend,
        parameters and step."""
        from microexp.flow.cache import FlowCache
        from microexp.flow.params import TVL1Params

        return FlowCache(
            self.cache_dir / "flow",
            fingerprint=f"{ds.fingerprint()}-{self.size}-{self.crop_mode(ds) or 'none'}",
            size=self.size,
            backend=self.flow_backend,
            params=TVL1Params.from_kwargs(**self.flow_params),
            device=self.flow_device,
            step=self.frame_stride,
        )

    def fill_flow(self, ds: ClipSet, clips: Sequence[Clip]) -> FillStats:
        """Compute the flow of ``clips`` (their frames cached) that is not cached yet."""
        import torch

        frames = self.frame_cache(ds)
        cache = self.flow_cache(ds)
        todo = [
            (c.id, (lambda c=c: torch.from_numpy(np.array(frames.load(c)))), len(c)) for c in clips
        ]
        stats = cache.fill(todo, progress=self.progress)
        log.info("flow cache: %s", stats)
        return stats

    # ------------------------------------------------------------------ preparation
    def read(self) -> ClipSet:
        """Parse the release (generating the synthetic set first when asked and absent)."""
        self._ensure_dataset()
        return read_clips(
            self.dataset, self.root, protocol=self.protocol, tree=self.tree, sheet=self.sheet
        )

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

    def _usable(self, ds: ClipSet, frames: FrameCache) -> tuple[list[Clip], list[Skip]]:
        """Fill the frame cache; the clips it holds that are long enough for the stride, and
        the skips (the reader's, then the undecodable and the too short clips)."""
        failures = frames.fill(ds.clips, progress=self.progress)
        usable: list[Clip] = []
        skipped = list(ds.skipped)
        for clip in ds.clips:
            if clip.id in failures:
                skipped.append(Skip(clip.subject, clip.episode, failures[clip.id]))
            elif len(clip) <= self.frame_stride:
                reason = f"{len(clip)} frames: too short for frame_stride={self.frame_stride}"
                skipped.append(Skip(clip.subject, clip.episode, reason))
            else:
                usable.append(clip)
        return usable, skipped

    def fill_caches(self) -> None:
        """Read the release and fill the frame and flow caches of every usable clip."""
        ds = self.read()
        usable, _ = self._usable(ds, self.frame_cache(ds))
        self.fill_flow(ds, usable)

    def prepare(self, *, flow: bool = True) -> PreparedData:
        """Read the release and its caches (filling them if needed) into :class:`PreparedData`.

        ``flow=False`` leaves the flow out, for :meth:`attach_flow` to add where it is needed.

        Raises:
            DataFormatError: the release cannot be read, or no clip is usable.
        """
        ds = self.read()
        frames = self.frame_cache(ds)
        usable, skipped = self._usable(ds, frames)
        clips = [self._prepared(clip, frames.load(clip)) for clip in usable]
        for skip in skipped:
            log.info("skipped %s/%s: %s", skip.subject, skip.episode, skip.reason)
        if not clips:
            reasons = "; ".join(f"{s.subject}/{s.episode}: {s.reason}" for s in skipped[:5])
            more = f" (+{len(skipped) - 5} more)" if len(skipped) > 5 else ""
            raise DataFormatError(
                f"no usable clips in {self.root}: {len(skipped)} skipped"
                + (f" ({reasons}{more})" if reasons else "")
            )
        data = PreparedData(ds, clips, skipped, list(ds.notes))
        if flow:
            self.attach_flow(data)
        return data

    def attach_flow(self, data: PreparedData, clip_ids: Collection[str] | None = None) -> None:
        """Give clips (those in ``clip_ids``, or all) their flow and moving region, computing
        the flow that is not cached yet (the costly part on a CPU)."""
        chosen = [c for c in data.clips if clip_ids is None or c.clip.id in clip_ids]
        self.fill_flow(data.dataset, [c.clip for c in chosen])
        cache = self.flow_cache(data.dataset)
        s = self.frame_stride
        for c in chosen:
            c.flow = cache.load(c.clip.id, len(c.clip))
            if c.flow is None:  # pragma: no cover - filled just above
                raise RuntimeError(f"flow cache for {c.clip.id} is missing after filling it")
            start = int(np.searchsorted(c.numbers, c.clip.onset))
            chain = np.arange(start % s, len(c.numbers) - s, s)  # a chain through the onset
            c.region = motion_region(
                np.asarray(c.flow[chain], np.float32),
                c.numbers[chain + s],
                c.clip.onset,
                c.clip.apex,
                c.clip.offset,
                quantile=self.mask_quantile,
                compensate=self.compensate_head,
            )

    def _prepared(self, clip: Clip, frames: np.ndarray | None) -> PreparedClip:
        if frames is None:  # pragma: no cover - filled just above
            raise RuntimeError(f"frame cache for {clip.id} is missing after filling it")
        numbers = np.asarray(clip.frame_numbers, np.int64)
        intensity = intensity_curve(numbers, clip.onset, clip.apex, clip.offset, self.intensity)
        return PreparedClip(
            clip=clip,
            frames=frames,
            numbers=numbers,
            intensity=intensity,
            states=target_states(numbers, clip.onset, clip.apex, clip.offset, intensity),
            inside=in_interval(numbers, clip.onset, clip.offset),
        )
