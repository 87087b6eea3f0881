"""Build tiny CASME II-layout datasets on disk, with quirks planted on purpose."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from microexp.data.records import Clip, ClipSet

SHEET = "CASME2-coding-20140508.xlsx"
HEADER = [
    "Subject",
    "Filename",
    None,
    "OnsetFrame",
    "ApexFrame",
    "OffsetFrame",
    None,
    "Action Units",
    "Estimated Emotion",
]


def write_sheet(path: Path, rows: Iterable[Sequence[Any]], header: Sequence[Any] = HEADER) -> Path:
    """Write an .xlsx coding sheet with the real column layout (blank columns included)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_frames(
    folder: Path,
    numbers: Iterable[int],
    prefix: str = "reg_img",
    size: tuple[int, int] = (40, 48),
    seed: int = 0,
) -> list[Path]:
    """Write small random JPEG frames ``{prefix}{n}.jpg``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for n in numbers:
        img = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
        path = folder / f"{prefix}{n}.jpg"
        cv2.imwrite(str(path), img)
        paths.append(path)
    return paths


def row(
    subject: Any, episode: str, onset: Any, apex: Any, offset: Any, emotion: str, aus: Any = "4"
) -> list[Any]:
    """One sheet row in the real column order."""
    return [subject, episode, None, onset, apex, offset, None, aus, emotion]


def clip_of(ds: ClipSet, episode: str) -> Clip:
    """The one loaded clip of ``episode``."""
    found = [c for c in ds.clips if c.episode == episode]
    assert len(found) == 1, f"{episode} not loaded; skipped: {ds.skipped}"
    return found[0]
