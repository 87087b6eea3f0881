"""How a long-video release lays a plan out on disk: its names (subject, MEGC video id, video
folder, frame file names), its workbook, and its frames, written one at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from microexp.data.synthetic.long_plan import ReleaseStats, VideoPlan

#: A workbook row per expression: (subject index, video index, expression index) -> row number.
SheetRows = dict[tuple[int, int, int], int]


@dataclass(frozen=True)
class VideoNames:
    """A video's names as the release writes them."""

    subject: str
    video: str  # MEGC id
    folder: str  # relative to the release root
    frame_prefix: str
    digits: int  # zero padding of frame numbers (more digits where the number needs them)

    def frame(self, number: int) -> str:
        return f"{self.frame_prefix}{number:0{self.digits}d}.jpg"


@dataclass(frozen=True)
class VideoLayout:
    """A long-video release's layout: statistics for the plan, names, workbook, grey frames."""

    stats: ReleaseStats
    workbook: str
    grey: bool
    names: Callable[[VideoPlan], VideoNames]
    write_workbook: Callable[[Path, Sequence[VideoPlan]], SheetRows]


def write_frames(
    folder: Path, names: VideoNames, frames: Iterable[np.ndarray], grey: bool, quality: int
) -> int:
    """Encode and write each RGB frame as it comes (grey if the release is grey), numbered
    from 1; returns how many were written."""
    folder.mkdir(parents=True, exist_ok=True)
    params = [int(cv2.IMWRITE_JPEG_QUALITY), quality]
    count = 0
    for count, frame in enumerate(frames, start=1):
        code = cv2.COLOR_RGB2GRAY if grey else cv2.COLOR_RGB2BGR
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, code), params)
        if not ok:
            raise RuntimeError(f"cannot encode frame {count} of {folder}")
        (folder / names.frame(count)).write_bytes(buf.tobytes())
    return count
