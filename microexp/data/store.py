"""The data store: a release's clips prepared once for every consumer.

:class:`ClipStore` reads the release through the reader registry (writing a synthetic one first
when asked), decodes, crops, squares and resizes every clip's frames once into a
:class:`FrameCache`, computes TV-L1 flow once into a :class:`~microexp.flow.cache.FlowCache`
(on the clip's chain 0, s, 2s, ..., s the clip's stride: ``frame_stride`` frames at
``stride_fps``, the same time span at the clip's own frame rate; each entry from its reference
frame, computed at ``flow_size`` from frames decoded at that size and shrunk), fits each
entry's head motion, and returns :class:`PreparedData`: one :class:`PreparedClip` per usable
clip with its targets, and every clip it could not use counted as a :class:`Skip` with the
reason. The DataModule and the baselines read the same caches through it.
"""

from __future__ import annotations

import inspect
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from microexp.data.datasets import READERS, read_clips
from microexp.data.face import FaceDetector
from microexp.data.frame_cache import FrameCache
from microexp.data.frames import SQUARE_MODES, load_frames
from microexp.data.records import Clip, ClipSet, DataFormatError, Skip
from microexp.data.splits import Split
from microexp.data.targets import in_interval, intensity_curve, target_states
from microexp.flow.head_motion import fit_head_motion, head_field
from microexp.flow.reference import FlowReference, chain_length

if TYPE_CHECKING:
    from microexp.flow.cache import FillStats, FlowCache

log = logging.getLogger(__name__)


@dataclass
class PreparedClip:
    """A usable clip: cached frames (and flow, once attached), targets for every frame.

    The network sees the clip on its chain, frames 0, s, 2s, ... (``chain``); flow entry j
    belongs to chain frame j (zero for entry 0; see :mod:`microexp.flow.reference`).
    """

    clip: Clip
    frames: np.ndarray  # (N, 3, H, W) uint8, memory-mapped from the frame cache
    numbers: np.ndarray  # (N,) absolute frame numbers
    intensity: np.ndarray  # (N,) float32 target intensity
    states: np.ndarray  # (N,) int64 target states
    inside: np.ndarray  # (N,) bool: frame inside [onset, offset]
    stride: int = 1  # frames between chain entries
    reference: FlowReference | None = None  # each chain entry's reference (None: onset, stride)
    flow: np.ndarray | None = None  # (M, 2, H, W) float16: entry j moves its reference to chain j
    head: np.ndarray | None = None  # (M, 4) float32: each entry's head motion (None: kept)

    @property
    def label(self) -> int:
        return -1 if self.clip.label is None else int(self.clip.label)

    @property
    def chain(self) -> np.ndarray:
        """Indices of the chain frames 0, s, 2s, ... (M of them)."""
        return np.arange(0, len(self.numbers), self.stride)

    def motion(self, entries: np.ndarray) -> np.ndarray:
        """The flow of chain ``entries`` with the head motion removed: ``(len, 2, H, W)``
        float32 (what the network and the pseudo-masks see)."""
        if self.flow is None:
            raise RuntimeError(f"{self.clip.id}: no flow attached")
        flow = np.asarray(self.flow[entries], np.float32)
        if self.head is None:
            return flow
        return flow - head_field(self.head[entries], flow.shape[-2], flow.shape[-1])


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


@dataclass
class ClipStore:
    """Where a release's clips are prepared, and how.

    Args:
        root: the release's folder.
        dataset: its reader (``microexp.data.datasets.READERS``).
        protocol, tree, sheet: the reader's options.
        synthetic: generator arguments: when given and ``root`` is missing or empty, a
            synthetic release of ``dataset``'s layout is written there first.
        size: frame side in pixels (the network's input).
        crop: ``auto`` (face crop on raw frames, none on cropped ones; in a composite, by each
            release's own tree), ``face`` or ``none``.
        square: how a face that is not square becomes one: ``crop`` (its centred square) or
            ``pad`` (black bars); never squashed.
        cache_dir: where decoded frames and flow are cached.
        flow_backend, flow_params, flow_device: TV-L1 backend and parameters for the cache.
        flow_size: side of the frames the flow is computed on (>= ``size``); the flow is then
            shrunk to ``size`` with its vectors scaled.
        flow_reference, flow_lag: each chain entry's reference frame (``onset``, ``lag`` with
            ``flow_lag`` frames, or ``previous``; see :mod:`microexp.flow.reference`).
        frame_stride: frames per step at ``stride_fps``; clips of s frames or fewer (s their
            own stride) are skipped.
        stride_fps: the frame rate ``frame_stride`` and ``flow_lag`` count frames at: a clip
            recorded at ``fps`` steps ``round(frame_stride * fps / stride_fps)`` frames (at
            least 1), the same time span; None: ``frame_stride`` frames whatever the rate.
        intensity: ``linear`` or ``cosine`` target ramps.
        compensate_head: remove each flow entry's head motion (a similarity fitted over the
            face region).
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
    square: str = "crop"
    cache_dir: Path = Path(".cache/microexp")
    flow_backend: str = "torch"
    flow_params: dict[str, Any] = field(default_factory=dict)
    flow_device: str | None = None
    flow_size: int = 128
    flow_reference: str = "onset"
    flow_lag: int = 8
    frame_stride: int = 1
    stride_fps: float | None = 200.0
    intensity: str = "linear"
    compensate_head: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()
        self.cache_dir = Path(self.cache_dir).expanduser()
        if self.square not in SQUARE_MODES:
            raise ValueError(f"square must be one of {SQUARE_MODES}, not {self.square!r}")
        if self.flow_size < self.size:
            raise ValueError(
                f"flow_size ({self.flow_size}) must be >= size ({self.size}): flow is computed "
                "at least at the network's resolution"
            )
        if self.stride_fps is not None and not self.stride_fps > 0:
            raise ValueError(f"stride_fps must be > 0 (or null), got {self.stride_fps}")
        self.reference = FlowReference(self.flow_reference, self.frame_stride, self.flow_lag)

    # ------------------------------------------------------------------ per clip
    def stride_of(self, clip: Clip) -> int:
        """The clip's frames per step: ``frame_stride`` at ``stride_fps``, the same time span
        at the clip's frame rate (at least 1)."""
        if self.stride_fps is None:
            return self.frame_stride
        return max(1, round(self.frame_stride * clip.fps / self.stride_fps))

    def reference_of(self, clip: Clip) -> FlowReference:
        """The clip's chain and references (its stride; ``flow_lag`` scaled with it)."""
        stride = self.stride_of(clip)
        return FlowReference(
            self.flow_reference, stride, stride * (self.flow_lag // self.frame_stride)
        )

    # ------------------------------------------------------------------ caches
    def crop_mode(self, ds: ClipSet, clip: Clip | None = None) -> str | None:
        """The frame crop of ``clip`` (of every clip when None): ``auto`` crops faces on raw
        frames only, judged by the tree of the clip's own release in a composite."""
        if self.crop != "auto":
            return None if self.crop == "none" else self.crop
        kind = ds.tree_kind if clip is None else ds.member_kinds.get(clip.dataset, ds.tree_kind)
        return "face" if kind == "raw" else None

    def frame_cache(self, ds: ClipSet, clip: Clip | None = None) -> FrameCache:
        """The frame cache holding ``clip`` (one per crop mode)."""
        return FrameCache(
            self.cache_dir, ds.fingerprint(), self.size, self.crop_mode(ds, clip), self.square
        )

    def flow_cache(self, ds: ClipSet, clip: Clip | None = None) -> FlowCache:
        """The flow cache holding ``clip``: keyed by the set's fingerprint, crop and square
        modes, sizes, backend, parameters, and the clip's reference, stride and lag."""
        from microexp.flow.cache import FlowCache
        from microexp.flow.params import TVL1Params

        crop = self.crop_mode(ds, clip)
        return FlowCache(
            self.cache_dir / "flow",
            fingerprint=f"{ds.fingerprint()}-{crop or 'none'}-{self.square}",
            size=self.size,
            flow_size=self.flow_size,
            reference=self.reference if clip is None else self.reference_of(clip),
            backend=self.flow_backend,
            params=TVL1Params.from_kwargs(**self.flow_params),
            device=self.flow_device,
        )

    def _chain_loader(
        self, ds: ClipSet, clip: Clip, frames: FrameCache, detector: FaceDetector | None
    ) -> Callable:
        """Loads the clip's chain frames at ``flow_size``: from the frame cache when that is
        the network's size, else decoded, cropped and squared again at that size (not kept;
        the face is found on frame 0, as for the frame cache)."""
        import torch

        s = self.stride_of(clip)
        if self.flow_size == self.size:
            return lambda: torch.from_numpy(np.array(frames.load(clip)[::s]))
        crop = self.crop_mode(ds, clip)
        return lambda: (
            load_frames(
                clip.frames[::s], self.flow_size, crop=crop, detector=detector, square=self.square
            ).frames
        )

    def fill_flow(self, ds: ClipSet, clips: Sequence[Clip]) -> FillStats:
        """Compute the flow of ``clips`` (their frames cached) that is not cached yet: one
        fill per flow cache (crop mode and stride)."""
        from microexp.flow.cache import FillStats

        groups: dict[tuple[str | None, int], list[Clip]] = defaultdict(list)
        for c in clips:
            groups[(self.crop_mode(ds, c), self.stride_of(c))].append(c)
        total = FillStats()
        for (crop, stride), group in groups.items():
            frames = self.frame_cache(ds, group[0])
            decode = self.flow_size != self.size and crop == "face"
            detector = FaceDetector() if decode else None
            todo = [
                (c.id, self._chain_loader(ds, c, frames, detector), chain_length(len(c), stride))
                for c in group
            ]
            stats = self.flow_cache(ds, group[0]).fill(todo, progress=self.progress)
            log.info("flow cache (crop %s, stride %d): %s", crop or "none", stride, stats)
            total = FillStats(*(a + b for a, b in zip(astuple(total), astuple(stats))))
        return total

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
                title = READERS[self.dataset].title if self.dataset in READERS else self.dataset
                raise FileNotFoundError(
                    f"dataset folder {self.root} does not exist: set data.root to your {title} "
                    "folder (the one holding its annotation sheet and frame tree; see "
                    f"conf/data/{self.dataset}.yaml)"
                )
            return
        if self.root.is_dir() and any(self.root.iterdir()):
            return
        from microexp.data.synthetic.releases import GENERATORS

        if self.dataset not in GENERATORS:
            raise ValueError(f"no synthetic generator for dataset {self.dataset!r}")
        generator = GENERATORS[self.dataset]
        taken = inspect.signature(generator).parameters
        options = {k: v for k, v in self.synthetic.items() if k in taken}
        unused = sorted(set(self.synthetic) - set(options))
        if unused:
            log.warning("synthetic %s: options %s do not apply, not used", self.dataset, unused)
        log.info("generating a synthetic %s in %s (%s)", self.dataset, self.root, options)
        generator(self.root, progress=self.progress, **options)

    def _usable(self, ds: ClipSet) -> tuple[list[Clip], list[Skip]]:
        """Fill the frame cache; the clips it holds that are long enough for the stride, and
        the skips (the reader's, then the undecodable and the too short clips)."""
        failures: dict[str, str] = {}
        for group in _by_crop(self, ds, ds.clips):
            failures |= self.frame_cache(ds, group[0]).fill(group, progress=self.progress)
        usable: list[Clip] = []
        skipped = list(ds.skipped)
        for clip in ds.clips:
            if clip.id in failures:
                skipped.append(Skip(clip.subject, clip.episode, failures[clip.id]))
            elif len(clip) <= self.stride_of(clip):
                reason = (
                    f"{len(clip)} frames: too short for its stride of {self.stride_of(clip)} "
                    f"frames (frame_stride={self.frame_stride})"
                )
                skipped.append(Skip(clip.subject, clip.episode, reason))
            else:
                usable.append(clip)
        return usable, skipped

    def fill_caches(self) -> None:
        """Read the release and fill the frame and flow caches of every usable clip."""
        ds = self.read()
        usable, _ = self._usable(ds)
        self.fill_flow(ds, usable)

    def prepare(self, *, flow: bool = True) -> PreparedData:
        """Read the release and its caches (filling them if needed) into :class:`PreparedData`.

        ``flow=False`` leaves the flow out, for :meth:`attach_flow` to add where it is needed.

        Raises:
            DataFormatError: the release cannot be read, or no clip is usable.
        """
        ds = self.read()
        usable, skipped = self._usable(ds)
        clips = [self._prepared(c, self.frame_cache(ds, c).load(c)) for c in usable]
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
        """Give clips (those in ``clip_ids``, or all) their flow and head motion, computing the
        flow that is not cached yet (the costly part on a CPU)."""
        chosen = [c for c in data.clips if clip_ids is None or c.clip.id in clip_ids]
        self.fill_flow(data.dataset, [c.clip for c in chosen])
        for c in chosen:
            c.flow = self.flow_cache(data.dataset, c.clip).load(c.clip.id, len(c.chain))
            if c.flow is None:  # pragma: no cover - filled just above
                raise RuntimeError(f"flow cache for {c.clip.id} is missing after filling it")
            if self.compensate_head:
                c.head = fit_head_motion(np.asarray(c.flow, np.float32))

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
            stride=self.stride_of(clip),
            reference=self.reference_of(clip),
        )


def _by_crop(store: ClipStore, ds: ClipSet, clips: Sequence[Clip]) -> list[list[Clip]]:
    """``clips`` grouped by their crop mode (one frame cache each)."""
    groups: dict[str | None, list[Clip]] = defaultdict(list)
    for clip in clips:
        groups[store.crop_mode(ds, clip)].append(clip)
    return list(groups.values())
