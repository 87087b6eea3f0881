"""Inputs read as streams: a video file (OpenCV) or a folder of frames (natural order).

Frame numbers: a video's frames count from 0; a folder's frames carry the number at the end of
their file names (``img46.jpg`` -> 46) when every file has one and they rise in name order, and
their position (from 0) otherwise.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from microexp.data.frames import IMAGE_SUFFIXES, FrameReadError, natural_key, read_rgb
from microexp.predict.errors import PredictError

_TRAILING_NUMBER = re.compile(r"(\d+)$")


class VideoSource:
    """A video file read frame by frame with OpenCV (never whole into memory)."""

    kind = "video"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        cap = cv2.VideoCapture(str(self.path))
        try:
            if not cap.isOpened():
                raise PredictError(
                    f"cannot read video {self.path}: OpenCV cannot open it (not a video, "
                    "damaged, or a codec this OpenCV build lacks)"
                )
            count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            fps = cap.get(cv2.CAP_PROP_FPS)
        finally:
            cap.release()
        #: Frames announced by the file's header (may be off; None when unknown).
        self.count: int | None = int(count) if count and count > 0 else None
        self.fps: float | None = float(fps) if fps and math.isfinite(fps) and fps > 0 else None
        #: Frames decoded so far by :meth:`frames`.
        self.frames_read = 0
        self.ignored: list[str] = []

    def first_frame(self) -> np.ndarray:
        """Frame 0 (RGB uint8)."""
        for _, _, image in self.frames(1):
            return image
        raise PredictError(f"video {self.path} has no frame that can be decoded (zero frames)")

    def frames(self, step: int = 1) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(index, frame number, RGB uint8 image)`` of every ``step``-th frame from frame 0.

        The frames between are only grabbed (not converted); :attr:`frames_read` counts all.
        """
        cap = cv2.VideoCapture(str(self.path))
        self.frames_read = 0
        try:
            index = 0
            while True:
                if index % step == 0:
                    ok, bgr = cap.read()
                    if not ok or bgr is None:
                        break
                    self.frames_read = index + 1
                    yield index, index, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                else:
                    if not cap.grab():
                        break
                    self.frames_read = index + 1
                index += 1
        finally:
            cap.release()


class FolderSource:
    """A folder of frames: its image files in natural order (``f2`` before ``f10``)."""

    kind = "folder"
    fps: float | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        entries = [p for p in self.path.iterdir() if not p.name.startswith(".")]
        images = {p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}
        self.files = sorted(images, key=lambda p: natural_key(p.name))
        #: Entries that are not image files (named in the summary, never read).
        self.ignored = sorted(p.name for p in entries if p not in images)
        if not self.files:
            raise PredictError(
                f"folder {self.path} holds no image files "
                f"({', '.join(sorted(IMAGE_SUFFIXES))}): zero frames"
            )
        self.numbers = frame_numbers_from_names([p.name for p in self.files])
        self.count: int | None = len(self.files)
        self.frames_read = 0

    def first_frame(self) -> np.ndarray:
        return self._read(0)

    def _read(self, i: int) -> np.ndarray:
        try:
            return read_rgb(self.files[i])
        except FrameReadError as exc:
            raise PredictError(f"cannot decode frame {exc.path}") from None

    def frames(self, step: int = 1) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(index, frame number, RGB uint8 image)`` of every ``step``-th file from the first
        (the files between are not read)."""
        self.frames_read = 0
        for i in range(0, len(self.files), step):
            image = self._read(i)
            self.frames_read = min(len(self.files), i + step)
            yield i, self.numbers[i], image
        self.frames_read = len(self.files)


Source = VideoSource | FolderSource


def frame_numbers_from_names(names: list[str]) -> list[int]:
    """The number ending each file name when all have one and they rise in this order, else
    the positions 0, 1, 2, ..."""
    found = [_TRAILING_NUMBER.search(Path(n).stem) for n in names]
    if all(found):
        numbers = [int(m.group(1)) for m in found]  # type: ignore[union-attr]
        if all(a < b for a, b in itertools.pairwise(numbers)):
            return numbers
    return list(range(len(names)))


def open_source(path: str | Path) -> Source:
    """A video file or a folder of frames."""
    path = Path(path)
    if not path.exists():
        raise PredictError(f"input {path} does not exist")
    if path.is_dir():
        return FolderSource(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise PredictError(
            f"input {path} is a single image (one frame): give a video or a folder of frames"
        )
    return VideoSource(path)
