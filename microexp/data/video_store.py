"""The long-video store: each video's frames read, cropped, resized and turned into lag-referenced
flow as a stream, its caches written one chunk at a time, so memory does not grow with length.

A video is seen on its chain, frames 0, s, 2s, ... (s = ``frame_stride``). :class:`VideoStore`
decodes the chain ``chunk`` entries at a time at ``flow_size`` (the face box found on the first
frame and kept for the whole video), stores the chunk's frames at ``size`` (uint8 ``.npy``) and
the flow of its entries, each from the frame ``flow_lag`` frames earlier
(:class:`~microexp.flow.reference.FlowReference` ``lag``; the earlier chunk's last frames are
carried over, nothing else), in a :class:`~microexp.flow.cache.FlowCache` entry of its own. A
:class:`PreparedVideo` reads any span of steps back from those chunks (memory-mapped frames) with
the head motion removed, and carries the targets of every chain frame: the intensity (the
largest of the expressions' ramps) and whether the frame lies inside an expression.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import torch

from microexp.data.datasets import read_videos
from microexp.data.face import Box, FaceDetector
from microexp.data.frames import SQUARE_MODES, FrameReadError, load_frames
from microexp.data.records import DataFormatError, Skip, Video, VideoSet
from microexp.data.targets import in_interval, intensity_curve
from microexp.flow.head_motion import remove_head_motion
from microexp.flow.reference import FlowReference, chain_length
from microexp.io import atomic_save_npy, read_npy, safe_name
from microexp.progress import progress_bar

if TYPE_CHECKING:
    from microexp.flow.cache import FlowCache

log = logging.getLogger(__name__)


def chunk_id(video_id: str, c: int) -> str:
    """The cache name of chunk ``c`` of a video (``s15/15_0101#c00003``)."""
    return f"{video_id}#c{c:05d}"


@dataclass
class PreparedVideo:
    """A usable video on its chain: chunked caches, targets for every chain frame."""

    video: Video
    numbers: np.ndarray  # (M,) absolute frame numbers of the chain frames
    intensity: np.ndarray  # (M,) float32 target intensity
    inside: np.ndarray  # (M,) bool: inside an annotated expression
    chunk: int  # chain entries per cache chunk
    frame_dir: Path
    flow_cache: FlowCache
    compensate_head: bool = True
    label: int = -1  # no class: long videos train the intensity only

    @property
    def id(self) -> str:
        return self.video.id

    @property
    def subject(self) -> str:
        return self.video.subject

    @property
    def steps(self) -> int:
        return len(self.numbers) - 1

    def _chunks(self, a: int, b: int) -> Iterator[tuple[int, slice]]:
        """``(chunk, slice within it)`` covering chain entries ``a .. b - 1``."""
        for c in range(a // self.chunk, (b - 1) // self.chunk + 1):
            lo, hi = max(a, c * self.chunk), min(b, (c + 1) * self.chunk)
            yield c, slice(lo - c * self.chunk, hi - c * self.chunk)

    def frames(self, a: int, b: int) -> np.ndarray:
        """Chain frames ``a .. b - 1``: ``(b - a, 3, S, S)`` uint8."""
        parts = [read_npy(self.frame_dir / f"c{c:05d}.npy")[s] for c, s in self._chunks(a, b)]
        return np.ascontiguousarray(np.concatenate(parts))

    def motion(self, a: int, b: int) -> np.ndarray:
        """The flow of chain entries ``a .. b - 1`` (entry j moves frame j - lag to j), head
        motion removed when the store does: ``(b - a, 2, S, S)`` float32."""
        parts = []
        for c, s in self._chunks(a, b):
            flow = self.flow_cache.load(chunk_id(self.id, c), None)
            if flow is None:
                raise RuntimeError(f"{self.id}: flow chunk {c} is missing from its cache")
            parts.append(flow[s])
        flow = np.concatenate(parts).astype(np.float32)
        return remove_head_motion(flow) if self.compensate_head else flow


@dataclass
class PreparedVideos:
    """What :meth:`VideoStore.prepare` built: usable videos, skips, the reader's notes."""

    dataset: VideoSet
    videos: list[PreparedVideo]
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The dataset's part of a run summary (``clips`` counts videos)."""
        return {
            "fingerprint": self.dataset.fingerprint(),
            "frames_tree": self.dataset.frames_tree.name,
            "clips": len(self.videos),
            "videos": len(self.videos),
            "frames": int(sum(len(v.video) for v in self.videos)),
            "expressions": self.dataset.per_kind(),
            "subjects": len({v.subject for v in self.videos}),
            "skipped": len(self.skipped),
            "skipped_reasons": [
                {"subject": s.subject, "episode": s.episode, "reason": s.reason}
                for s in self.skipped
            ],
            "notes": self.notes,
        }


@dataclass
class VideoStore:
    """Where a long-video release is prepared, and how (options as
    :class:`~microexp.data.store.ClipStore`'s; ``flow_lag`` in frames, a multiple of
    ``frame_stride``; ``chunk`` chain entries per cache file; ``crop`` is ``face`` or
    ``none``; ``synthetic``: arguments of
    :func:`~microexp.data.synthetic.generate_videos`, written first when ``root`` is empty)."""

    root: Path
    dataset: str = "casme_sq"
    tree: str = "auto"
    sheet: str | None = None
    synthetic: dict[str, Any] | None = None
    size: int = 64
    crop: str = "face"
    square: str = "crop"
    cache_dir: Path = Path(".cache/microexp")
    flow_backend: str = "torch"
    flow_params: dict[str, Any] = field(default_factory=dict)
    flow_device: str | None = None
    flow_size: int = 128
    flow_lag: int = 8
    frame_stride: int = 1
    chunk: int = 256
    intensity: str = "linear"
    compensate_head: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()
        self.cache_dir = Path(self.cache_dir).expanduser()
        if self.square not in SQUARE_MODES:
            raise ValueError(f"square must be one of {SQUARE_MODES}, not {self.square!r}")
        if self.crop not in ("face", "none"):
            raise ValueError(f"crop must be 'face' or 'none' for long videos, not {self.crop!r}")
        if self.flow_size < self.size or self.chunk < 1:
            raise ValueError("flow_size must be >= size and chunk >= 1")
        self.reference = FlowReference("lag", self.frame_stride, self.flow_lag)

    # ------------------------------------------------------------------ caches
    def _key(self, ds: VideoSet) -> str:
        return f"{ds.fingerprint()}-{self.crop}-{self.square}-s{self.frame_stride}-c{self.chunk}"

    def frame_dir(self, ds: VideoSet, video: Video) -> Path:
        return (
            self.cache_dir / "video_frames" / f"{self._key(ds)}-{self.size}" / safe_name(video.id)
        )

    def flow_cache(self, ds: VideoSet) -> FlowCache:
        """The flow cache of ``ds`` (one entry per chunk of each video)."""
        from microexp.flow.cache import FlowCache
        from microexp.flow.params import TVL1Params

        return FlowCache(
            self.cache_dir / "flow",
            fingerprint=self._key(ds),
            size=self.size,
            flow_size=self.flow_size,
            reference=self.reference,
            backend=self.flow_backend,
            params=TVL1Params.from_kwargs(**self.flow_params),
            device=self.flow_device,
        )

    def _cached(self, ds: VideoSet, video: Video, cache: FlowCache) -> bool:
        """Every chunk's frames and flow are cached and whole."""
        entries = chain_length(len(video), self.frame_stride)
        folder = self.frame_dir(ds, video)
        for c in range(-(-entries // self.chunk)):
            n = min(self.chunk, entries - c * self.chunk)
            path = folder / f"c{c:05d}.npy"
            try:
                shape = read_npy(path).shape if path.is_file() else None
            except (OSError, ValueError, EOFError):
                shape = None
            if shape != (n, 3, self.size, self.size):
                return False
            if cache.load(chunk_id(video.id, c), n) is None:
                return False
        return True

    def _decode(self, paths: list[Path], box: Box | str | None, detector) -> tuple:
        """Chain frames at ``flow_size`` and at ``size`` (uint8 tensors), and the crop box."""
        loaded = load_frames(
            paths, self.flow_size, crop=box, detector=detector, square=self.square
        )
        for note in loaded.notes:
            log.info("%s", note)
        big = loaded.frames
        if self.flow_size == self.size:
            return big, big, loaded.crop
        small = np.stack(
            [
                cv2.resize(f, (self.size, self.size), interpolation=cv2.INTER_AREA)
                for f in big.permute(0, 2, 3, 1).numpy()
            ]
        )
        return big, torch.from_numpy(small).permute(0, 3, 1, 2).contiguous(), loaded.crop

    def stream(self, ds: VideoSet, video: Video, cache: FlowCache, detector=None) -> int:
        """Decode, crop, resize and compute the flow of one video chunk by chunk, writing each
        chunk's caches; holds one chunk and ``flow_lag / stride`` earlier frames at a time.
        Returns the flow pairs computed."""
        chain = video.frames[:: self.frame_stride]
        back = self.reference.back or 1
        recent: deque[torch.Tensor] = deque(maxlen=back)
        box: Box | str | None = "face" if self.crop == "face" else None
        folder = self.frame_dir(ds, video)
        folder.mkdir(parents=True, exist_ok=True)
        pairs = 0
        for c, a in enumerate(range(0, len(chain), self.chunk)):
            big, small, box = self._decode(chain[a : a + self.chunk], box, detector)
            atomic_save_npy(folder / f"c{c:05d}.npy", small.numpy())
            history = torch.stack(list(recent)) if recent else big[:0]
            joined = torch.cat([history, big])
            src = self.reference.sources(a + len(big))[a:] - (a - len(history))
            todo = np.flatnonzero(src != np.arange(len(history), len(joined)))
            flow = np.zeros((len(big), 2, self.size, self.size), np.float32)
            if len(todo):
                dst = todo + len(history)
                flow[todo] = cache._compute(joined[src[todo]], joined[dst]).numpy()
            cache.store(chunk_id(video.id, c), flow)
            pairs += len(todo)
            recent.extend(big[-back:])
        return pairs

    # ------------------------------------------------------------------ preparation
    def read(self) -> VideoSet:
        """Parse the release (writing the synthetic one first when asked and absent)."""
        if self.synthetic is not None and not (self.root.is_dir() and any(self.root.iterdir())):
            from microexp.data.synthetic import generate_videos

            log.info("generating synthetic %s long videos in %s", self.dataset, self.root)
            generate_videos(
                self.root, layout=self.dataset, progress=self.progress, **self.synthetic
            )
        if not self.root.is_dir():
            raise FileNotFoundError(
                f"dataset folder {self.root} does not exist: set data.root to your {self.dataset} "
                "folder (the one holding the workbook and the frame tree)"
            )
        return read_videos(self.dataset, self.root, tree=self.tree, sheet=self.sheet)

    def fill(self, ds: VideoSet) -> list[Skip]:
        """Stream every video whose caches are missing or damaged; the videos that could not
        be decoded, as skips."""
        cache = self.flow_cache(ds)
        todo = [v for v in ds.videos if not self._cached(ds, v, cache)]
        skips: list[Skip] = []
        detector = FaceDetector() if todo and self.crop == "face" else None
        with progress_bar(self.progress, len(todo), "frames and flow", "videos") as advance:
            for video in todo:
                try:
                    pairs = self.stream(ds, video, cache, detector)
                    log.info("%s: %d frames, %d flow pairs cached", video.id, len(video), pairs)
                except FrameReadError as exc:
                    skips.append(Skip(video.subject, video.video, str(exc)))
                    log.warning("skipping %s: %s", video.id, exc)
                advance(1)
        return skips

    def prepare(self) -> PreparedVideos:
        """Read the release, fill its caches and return the usable videos with their targets.

        Raises:
            DataFormatError: no video is usable.
        """
        ds = self.read()
        failed = self.fill(ds)
        bad = {(s.subject, s.episode) for s in failed}
        cache = self.flow_cache(ds)
        videos = []
        skipped = list(ds.skipped) + failed
        for v in ds.videos:
            if (v.subject, v.video) in bad:
                continue
            if len(v) <= self.flow_lag:
                skipped.append(Skip(v.subject, v.video, f"{len(v)} frames: shorter than flow_lag"))
                continue
            videos.append(self._prepared(ds, v, cache))
        if not videos:
            raise DataFormatError(f"no usable long videos in {self.root} ({len(skipped)} skipped)")
        return PreparedVideos(ds, videos, skipped, list(ds.notes))

    def _prepared(self, ds: VideoSet, video: Video, cache: FlowCache) -> PreparedVideo:
        numbers = np.asarray(video.frame_numbers[:: self.frame_stride], np.int64)
        intensity = np.zeros(len(numbers), np.float32)
        inside = np.zeros(len(numbers), bool)
        for e in video.expressions:
            curve = intensity_curve(numbers, e.onset, e.apex, e.offset, self.intensity)
            intensity = np.maximum(intensity, curve)
            inside |= in_interval(numbers, e.onset, e.offset)
        return PreparedVideo(
            video=video,
            numbers=numbers,
            intensity=intensity,
            inside=inside,
            chunk=self.chunk,
            frame_dir=self.frame_dir(ds, video),
            flow_cache=cache,
            compensate_head=self.compensate_head,
        )
