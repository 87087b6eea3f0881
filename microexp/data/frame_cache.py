"""The frame cache: each clip's frames decoded, cropped, squared and resized once, as uint8
``.npy``; undecodable clips remembered with the reason."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from microexp.data.face import FaceDetector
from microexp.data.frames import FrameReadError, load_frames
from microexp.data.records import Clip
from microexp.io import atomic_save_npy, read_npy, safe_name
from microexp.progress import progress_bar

log = logging.getLogger(__name__)


class FrameCache:
    """Decoded, cropped and resized frames per clip, stored once as uint8 ``.npy``.

    Keyed by the dataset fingerprint, size, crop and square modes. A clip whose frames cannot be
    decoded gets an ``.error`` file naming the frame, so the skip is reported on every later run.
    """

    def __init__(
        self, root: Path, fingerprint: str, size: int, crop: str | None, square: str = "crop"
    ) -> None:
        self.dir = Path(root) / "frames" / f"{fingerprint}-{size}-{crop or 'none'}-{square}"
        self.size = size
        self.crop = crop
        self.square = square

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
                loaded = load_frames(
                    clip.frames, self.size, crop=self.crop, detector=detector, square=self.square
                )
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
