"""Per-clip optical flow on the clip's stride chain, computed once and stored as float16.

Layout: ``root/<key>/<clip file>.npy``, one (M, 2, size, size) float16 array per clip, entry j
being the flow from its reference frame to chain frame j (:mod:`microexp.flow.reference`;
M = the chain length), where ``key`` hashes everything the flow depends on (the caller's
fingerprint of the frames, the stored and the computing resolution, the backend, the TV-L1
parameters, the reference, stride and lag) and ``<clip file>`` is the clip id made safe for a
file name ("sub01/EP02_01f" -> "sub01%2FEP02_01f"). ``root/<key>/meta.json`` records the key's
inputs. Each pair's brightness is matched first (:mod:`microexp.flow.brightness`); flow
computed at ``flow_size`` is shrunk to ``size`` with its vectors scaled
(:func:`~microexp.flow.resize.resize_flow`).

Writes are atomic (a temporary file in the same folder, then ``os.replace``), so a reader sees a
complete old entry, a complete new one, or none. An entry that cannot be read, is cut short or
does not match (dtype, shape, number of entries, non-finite values) is logged and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from microexp.flow.brightness import match_brightness
from microexp.flow.params import TVL1Params
from microexp.flow.reference import FlowReference
from microexp.flow.resize import resize_flow
from microexp.io import atomic_save_npy, atomic_write_text, read_npy, safe_name
from microexp.progress import progress_bar

__all__ = ["CACHE_VERSION", "FillStats", "FlowCache"]

log = logging.getLogger(__name__)

#: Bumped when the stored format or the meaning of a key changes.
CACHE_VERSION = 2

ClipSource = tuple[str, Callable[[], torch.Tensor]] | tuple[str, Callable[[], torch.Tensor], int]

#: One clip's share of a batch: (clip id, chain length, its entries in the batch, last share).
_Segment = tuple[str, int, np.ndarray, bool]


@dataclass
class FillStats:
    """What :meth:`FlowCache.fill` did."""

    computed: int = 0  # clips computed because they were missing
    reused: int = 0  # clips already cached and valid
    recomputed: int = 0  # clips whose entry was bad (unreadable, truncated, mismatched)
    seconds: float = 0.0
    pairs: int = 0  # frame pairs computed


class FlowCache:
    """Flow of every clip's chain entries (see the module docstring), cached as float16.

    Args:
        root: folder holding every cache (one sub-folder per key).
        fingerprint: identifies the frames (dataset version, crop, aspect); part of the key.
        size: side of the stored flow (the network's input).
        flow_size: side of the frames the flow is computed on (>= ``size``; default ``size``).
        reference: which frame each entry's flow starts from (default: the onset, stride 1).
        backend: ``"torch"`` or ``"opencv"`` (see :func:`microexp.flow.compute_flow`).
        params: TV-L1 parameters (OpenCV's defaults when None).
        device: torch backend device (default: CUDA when available, else CPU).
        batch_pairs: frame pairs per call when filling; pairs of different clips share a batch.
        workers: CPU processes for the computation (None: one per core).
    """

    def __init__(
        self,
        root: Path | str,
        *,
        fingerprint: str,
        size: int,
        flow_size: int | None = None,
        reference: FlowReference | None = None,
        backend: str = "torch",
        params: TVL1Params | None = None,
        device: str | None = None,
        batch_pairs: int = 512,
        workers: int | None = None,
    ) -> None:
        from microexp.flow import BACKENDS

        if backend not in BACKENDS:
            raise ValueError(f"unknown flow backend {backend!r}; choose from {BACKENDS}")
        self.size = int(size)
        self.flow_size = int(flow_size or size)
        if self.flow_size < self.size:
            raise ValueError(f"flow_size ({self.flow_size}) must be >= size ({self.size})")
        self.reference = reference or FlowReference()
        self.root = Path(root)
        self.fingerprint = fingerprint
        self.backend = backend
        self.params = params or TVL1Params()
        self.device = device
        self.batch_pairs = max(1, batch_pairs)
        self.workers = workers
        self.key = hashlib.sha256(
            json.dumps(self.key_inputs(), sort_keys=True).encode()
        ).hexdigest()[:24]
        self.dir = self.root / self.key
        self._cv_pool: Any = None

    def key_inputs(self) -> dict[str, Any]:
        """Everything the key hashes."""
        return {
            "version": CACHE_VERSION,
            "fingerprint": self.fingerprint,
            "size": self.size,
            "flow_size": self.flow_size,
            "backend": self.backend,
            "params": self.params.as_dict(),
            **self.reference.as_dict(),
        }

    # ----------------------------------------------------------------------- entries
    def path(self, clip_id: str) -> Path:
        """File of ``clip_id``'s flow (it may not exist)."""
        return self.dir / f"{safe_name(clip_id)}.npy"

    def load(self, clip_id: str, entries: int | None) -> np.ndarray | None:
        """(entries, 2, size, size) float16, or None if missing or bad (bad ones are logged).

        ``entries=None`` skips the length check (any chain length is accepted).
        """
        path = self.path(clip_id)
        if not path.exists():
            return None
        try:
            arr = read_npy(path)
        except (OSError, ValueError, EOFError) as exc:
            log.warning("flow cache: unreadable %s (%s); it will be recomputed", path, exc)
            return None
        problem = self._check(arr, entries)
        if problem:
            log.warning("flow cache: %s %s; it will be recomputed", path, problem)
            return None
        return np.array(arr)  # into memory (and the file's map closed)

    def _check(self, arr: np.ndarray, entries: int | None) -> str | None:
        s = self.size
        if arr.dtype != np.float16:
            return f"has dtype {arr.dtype}, not float16"
        if arr.ndim != 4 or arr.shape[1:] != (2, s, s):
            return f"has shape {arr.shape}, not (M, 2, {s}, {s})"
        if entries is not None and arr.shape[0] != entries:
            return f"holds {arr.shape[0]} entries where the chain has {entries}"
        if not np.isfinite(arr).all():
            return "holds non-finite values"
        return None

    def store(self, clip_id: str, flow: np.ndarray | torch.Tensor) -> Path:
        """Write ``flow`` ((M, 2, size, size)) as float16, atomically; returns the path."""
        if isinstance(flow, torch.Tensor):
            flow = flow.detach().cpu().numpy()
        arr = np.ascontiguousarray(flow, dtype=np.float16)
        problem = self._check(arr, None)
        if problem:
            raise ValueError(f"refusing to store flow for {clip_id!r}: it {problem}")
        path = self.path(clip_id)
        self._ensure_dir()
        atomic_save_npy(path, arr)
        return path

    def get(self, clip_id: str, frames: torch.Tensor) -> np.ndarray:
        """The clip's flow from the cache, or computed from its chain frames ((M, 3, flow_size,
        flow_size) uint8) and stored."""
        self._check_frames(clip_id, frames)
        cached = self.load(clip_id, frames.shape[0])
        if cached is not None:
            return cached
        src, dst = self.reference.pairs(frames.shape[0])
        flow = np.zeros((frames.shape[0], 2, self.size, self.size), np.float32)
        flow[dst] = self._compute(frames[src], frames[dst]).numpy()
        self.store(clip_id, flow)
        return flow.astype(np.float16)

    # ----------------------------------------------------------------------- filling
    def fill(self, clips: Sequence[ClipSource], progress: bool = True) -> FillStats:
        """Compute what is missing or bad; pairs of many clips are batched together.

        ``clips`` holds ``(clip_id, load_chain)`` or ``(clip_id, load_chain, entries)``;
        ``load_chain()`` returns the clip's chain frames ((M, 3, flow_size, flow_size) uint8) and
        is called only for clips that need computing. Entries are checked from their contents
        (dtype, shape, readable and complete), and against ``entries`` when it is given.
        """
        t0 = time.perf_counter()
        stats = FillStats()
        todo: list[tuple[str, Callable[[], torch.Tensor]]] = []
        for clip in clips:
            clip_id, loader = clip[0], clip[1]
            entries = clip[2] if len(clip) > 2 else None  # type: ignore[misc]
            exists = self.path(clip_id).exists()
            if exists and self.load(clip_id, entries) is not None:
                stats.reused += 1
                continue
            if exists:
                stats.recomputed += 1
            else:
                stats.computed += 1
            todo.append((clip_id, loader))
        with progress_bar(progress, len(clips), "TV-L1 flow", "clips") as advance:
            advance(stats.reused)
            if todo:
                with self._workers_for_fill():
                    stats.pairs = self._fill(todo, advance)
        stats.seconds = time.perf_counter() - t0
        log.info(
            "flow cache %s: %d computed, %d recomputed, %d reused (%d pairs) in %.1f s",
            self.dir,
            stats.computed,
            stats.recomputed,
            stats.reused,
            stats.pairs,
            stats.seconds,
        )
        return stats

    def _batches(
        self, todo: list[tuple[str, Callable[[], torch.Tensor]]], advance: Callable[[int], None]
    ) -> Iterator[tuple[list[_Segment], torch.Tensor, torch.Tensor]]:
        """``(segments, prev, next)`` of ``batch_pairs`` pairs at most, across clips; a clip
        with nothing to compute (a single chain frame) is stored as zeros at once."""
        segs: list[_Segment] = []
        prev: list[torch.Tensor] = []
        nxt: list[torch.Tensor] = []
        n = 0
        for clip_id, loader in todo:
            frames = loader()
            self._check_frames(clip_id, frames)
            entries = frames.shape[0]
            src, dst = self.reference.pairs(entries)
            if not len(dst):
                self.store(clip_id, np.zeros((entries, 2, self.size, self.size), np.float16))
                advance(1)
                continue
            start = 0
            while start < len(dst):
                take = min(len(dst) - start, self.batch_pairs - n)
                part = slice(start, start + take)
                segs.append((clip_id, entries, dst[part], start + take >= len(dst)))
                prev.append(frames[src[part]])
                nxt.append(frames[dst[part]])
                n, start = n + take, start + take
                if n >= self.batch_pairs:
                    yield segs, torch.cat(prev), torch.cat(nxt)
                    segs, prev, nxt, n = [], [], [], 0
        if segs:
            yield segs, torch.cat(prev), torch.cat(nxt)

    def _fill(
        self, todo: list[tuple[str, Callable[[], torch.Tensor]]], advance: Callable[[int], None]
    ) -> int:
        """Compute the clips in ``todo``, ``batch_pairs`` pairs at a time, across clips. The next
        batch's frames are read while the current batch is computed."""
        pairs = 0
        partial: dict[str, np.ndarray] = {}
        with ThreadPoolExecutor(1) as ex:
            pending: Future | None = None
            pending_segs: list[_Segment] = []
            for segs, prev, nxt in self._batches(todo, advance):
                job = ex.submit(self._compute, prev, nxt)
                if pending is not None:
                    pairs += self._collect(pending.result(), pending_segs, partial, advance)
                pending, pending_segs = job, segs
            if pending is not None:
                pairs += self._collect(pending.result(), pending_segs, partial, advance)
        return pairs

    def _collect(
        self,
        flow: torch.Tensor,
        segs: list[_Segment],
        partial: dict[str, np.ndarray],
        advance: Callable[[int], None],
    ) -> int:
        arr = flow.numpy()
        at = 0
        for clip_id, entries, dst, last in segs:
            if clip_id not in partial:
                partial[clip_id] = np.zeros((entries, 2, self.size, self.size), np.float32)
            partial[clip_id][dst] = arr[at : at + len(dst)]
            at += len(dst)
            if last:
                self.store(clip_id, partial.pop(clip_id))
                advance(1)
        return at

    def _compute(self, prev: torch.Tensor, nxt: torch.Tensor) -> torch.Tensor:
        """Flow of the pairs at ``flow_size`` (brightness matched), shrunk to ``size``:
        (B, 2, size, size) on the CPU."""
        from microexp.flow import compute_flow

        if prev.shape[0] == 0:
            return torch.zeros(0, 2, self.size, self.size)
        prev, nxt = match_brightness(prev, nxt)
        if self.backend == "opencv":
            if self._cv_pool is not None and prev.shape[0] > 1:
                flow = self._cv_pool.compute(prev, nxt, self.params)
            else:
                flow = compute_flow(prev, nxt, "opencv", params=self.params, workers=1)
        else:
            flow = compute_flow(
                prev, nxt, "torch", self.device, params=self.params, workers=self.workers
            )
        return resize_flow(flow, self.size).cpu()

    @contextlib.contextmanager
    def _workers_for_fill(self) -> Iterator[None]:
        """The opencv backend gets a process pool (one worker per core) for one ``fill``."""
        workers = self.workers or os.cpu_count() or 1
        if self.backend != "opencv" or workers < 2:
            yield
            return
        from microexp.flow.opencv import OpenCVPool

        with OpenCVPool(workers) as pool:
            self._cv_pool = pool
            try:
                yield
            finally:
                self._cv_pool = None

    # ----------------------------------------------------------------------- helpers
    def _check_frames(self, clip_id: str, frames: torch.Tensor) -> None:
        s = self.flow_size
        if frames.dim() != 4 or frames.shape[1] != 3 or tuple(frames.shape[2:]) != (s, s):
            raise ValueError(
                f"{clip_id}: expected (M, 3, {s}, {s}) chain frames, got {tuple(frames.shape)}"
            )
        if frames.shape[0] < 1:
            raise ValueError(f"{clip_id}: no frames")

    def _ensure_dir(self) -> None:
        if self.dir.is_dir():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        meta = json.dumps(self.key_inputs(), indent=2, sort_keys=True)
        atomic_write_text(self.dir / "meta.json", meta)
