"""What the long-video readers (CAS(ME)^2, SAMM long videos) share: the workbook read as raw
tables, a video's frame folder listed by file name, and the step from annotated intervals
(:class:`Coding`) to :class:`~microexp.data.records.Video` records with every quirk noted or
skipped and counted.

Frame folders are listed by name only: a long video has thousands of frames, and neither their
pixels nor their bytes are read here (a damaged frame is the frame reader's business).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from microexp.data.datasets.folders import few
from microexp.data.frames import IMAGE_SUFFIXES, natural_key
from microexp.data.records import DataFormatError, Expression, Skip, Video

_TRAILING_NUMBER = re.compile(r"(\d+)$")


def read_workbook(path: Path, error: type[DataFormatError]) -> dict[str, pd.DataFrame]:
    """Every sheet of an .xlsx workbook, header-less, cells as read (text stays text)."""
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise error(f"cannot read workbook {path}: {exc}") from exc
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise error(f"workbook {path} is an old binary .xls; open it and save it as .xlsx")
    if not head.startswith(b"PK"):
        raise error(f"workbook {path} is not an .xlsx workbook")
    try:
        return pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types on damaged workbooks
        raise error(f"workbook {path} is not a readable .xlsx: {exc}") from exc


def find_file(root: Path, names: Iterable[str], patterns: Iterable[str]) -> Path | None:
    """A known file name under ``root``, else the last (in natural order) match of the glob
    ``patterns`` in ``root`` or one folder down; None when nothing matches."""
    for name in names:
        if (root / name).is_file():
            return root / name
    found = [
        p
        for pattern in patterns
        for p in (*root.glob(pattern), *root.glob(f"*/{pattern}"))
        if p.is_file() and not p.name.startswith("~$")
    ]
    return max(found, key=lambda p: natural_key(p.name)) if found else None


def given_file(root: Path, given: str | Path, error: type[DataFormatError]) -> Path:
    """A file the caller named: as given if it exists, else relative to ``root``."""
    path = Path(given)
    path = path if path.is_absolute() or path.exists() else root / path
    if not path.is_file():
        raise error(f"workbook {path} does not exist")
    return path


def descend(path: Path, looks_right: Callable[[str], object], notes: list[str]) -> Path:
    """Step into a lone wrapping folder (``SAMM_longvideos/SAMM_longvideos/``, as archives
    often add one) until some child folder name satisfies ``looks_right``."""
    for _ in range(2):
        dirs = [p for p in path.iterdir() if p.is_dir()]
        if any(looks_right(p.name) for p in dirs) or len(dirs) != 1:
            return path
        notes.append(f"video folders found one level down, in {dirs[0]}")
        path = dirs[0]
    return path


@dataclass
class FrameList:
    """A video's frame folder listed by name: frames sorted by their number, and what was set
    aside."""

    frames: list[Path]
    numbers: list[int]
    junk: list[str]
    duplicates: list[str]


def list_frames(folder: Path) -> FrameList:
    """The image files of ``folder`` whose name ends in a number, sorted by that number
    (``img99`` < ``img100``, ``016_7_9999`` < ``016_7_10000``); other files are junk."""
    numbered: dict[int, Path] = {}
    junk: list[str] = []
    duplicates: list[str] = []
    with os.scandir(folder) as scan:  # one listing, no stat per frame (thousands per video)
        entries = sorted(((e.name, e.is_dir()) for e in scan), key=lambda e: e[0])
    for name, is_dir in entries:
        path = folder / name
        m = _TRAILING_NUMBER.search(path.stem)
        if is_dir or m is None or path.suffix.lower() not in IMAGE_SUFFIXES:
            junk.append(name)
        elif int(m.group(1)) in numbered:
            duplicates.append(name)
        else:
            numbered[int(m.group(1))] = path
    numbers = sorted(numbered)
    return FrameList([numbered[n] for n in numbers], numbers, junk, duplicates)


@dataclass(frozen=True)
class VideoFolder:
    """A video's folder in the frame tree, with its subject and MEGC video id."""

    subject: str
    video: str
    path: Path


@dataclass
class Coding:
    """One annotated expression as its sheet row gives it, after the release's own rules.

    ``onset`` None: the expression starts before the video (its first frame is used);
    ``apex`` None: the apex is unknown (the interval midpoint is used).
    """

    subject: str
    video: str
    row: int
    onset: int | None
    apex: int | None
    offset: int
    kind: str
    emotion: str = ""
    action_units: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.subject}/{self.video} row {self.row}"


@dataclass
class Tally:
    """Quirks met on the way, by kind: kind -> where (``s15/15_0101 row 7``), for the notes."""

    kinds: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, where: str) -> None:
        self.kinds.setdefault(kind, []).append(where)

    def notes(self) -> list[str]:
        return [f"{len(w)} expression(s) {kind} ({few(w)})" for kind, w in self.kinds.items()]


#: Quirk kinds noted while fitting intervals to the frames found.
CLAMPED = "reach past the video's frames: clamped to them"
APEX_CLAMPED = "with the apex outside the interval: clamped into it"
APEX_MIDPOINT = "without an apex: the onset-offset midpoint is used"


def fit(coding: Coding, first: int, last: int, tally: Tally) -> Expression | str:
    """The expression fitted to the video's frames ``first..last``, or why it cannot be."""
    onset = first if coding.onset is None else coding.onset
    offset = coding.offset
    notes = list(coding.notes)
    if onset > last or offset < first:
        return f"interval {onset}-{offset} lies outside the video's frames {first}-{last}"
    if onset < first or offset > last:
        notes.append(f"interval {onset}-{offset} clamped to the frames {first}-{last}")
        tally.add(CLAMPED, coding.where)
        onset, offset = max(onset, first), min(offset, last)
    if coding.apex is None:
        apex = (onset + offset) // 2
        notes.append(f"no apex: the midpoint {apex} is used")
        tally.add(APEX_MIDPOINT, coding.where)
    elif not onset <= coding.apex <= offset:
        apex = min(max(coding.apex, onset), offset)
        notes.append(f"apex {coding.apex} outside [{onset}, {offset}]: clamped to {apex}")
        tally.add(APEX_CLAMPED, coding.where)
    else:
        apex = coding.apex
    return Expression(
        onset=onset,
        apex=apex,
        offset=offset,
        kind=coding.kind,
        emotion=coding.emotion,
        action_units=coding.action_units,
        notes=notes,
    )


@dataclass
class Videos:
    """What :func:`build_videos` made: usable videos, skips and the dataset's notes."""

    videos: list[Video]
    skipped: list[Skip]
    notes: list[str]


def build_videos(
    dataset: str,
    fps: float,
    folders: dict[str, VideoFolder],
    rows: Iterable[Coding | Skip],
    *,
    sheet_name: str,
    tally: Tally,
) -> Videos:
    """Videos from their folders (keyed by MEGC id) and the sheet's rows.

    A row whose video has no folder, or that repeats an earlier row, is skipped; a folder
    without frames is skipped; a folder without rows is still a video (MEGC scores its
    predictions); an interval is fitted to the frames found (:func:`fit`).
    """
    skipped: list[Skip] = []
    per_video: dict[str, list[Coding]] = {}
    seen: dict[tuple[str, int | None, int | None, int, str], int] = {}
    for item in rows:
        if isinstance(item, Skip):
            skipped.append(item)
            continue
        key = (item.video, item.onset, item.apex, item.offset, item.kind)
        where = f"{sheet_name} row {item.row}"
        if key in seen:
            reason = f"{where}: duplicate of row {seen[key]}"
            skipped.append(Skip(item.subject, item.video, reason))
        elif item.video not in folders:
            reason = f"{where}: no frame folder for video {item.video}"
            skipped.append(Skip(item.subject, item.video, reason))
        else:
            seen[key] = item.row
            per_video.setdefault(item.video, []).append(item)
    videos: list[Video] = []
    notes: list[str] = []
    empty: list[str] = []
    for key in sorted(folders, key=lambda k: natural_key(folders[k].subject) + natural_key(k)):
        made = _video(dataset, fps, folders[key], per_video.get(key, []), tally, sheet_name)
        if isinstance(made, Skip):
            skipped.append(made)
            continue
        video, video_skips, video_notes = made
        skipped.extend(video_skips)
        notes.extend(video_notes)
        videos.append(video)
        if not video.expressions:
            empty.append(video.id)
    notes.extend(tally.notes())
    if empty:
        notes.append(
            f"{len(empty)} video(s) without annotated expressions, kept (their predictions "
            f"still count): {few(empty)}"
        )
    return Videos(videos, skipped, notes)


def _video(
    dataset: str,
    fps: float,
    folder: VideoFolder,
    codings: list[Coding],
    tally: Tally,
    sheet_name: str,
) -> tuple[Video, list[Skip], list[str]] | Skip:
    """One video with its expressions fitted to its frames (sorted by onset), the rows that
    could not be, and notes on the folder; a skip when the folder holds no frames."""
    listed = list_frames(folder.path)
    if not listed.frames:
        return Skip(folder.subject, folder.video, f"no frames in {folder.path.name}/")
    folder_notes = _folder_notes(listed)
    skipped: list[Skip] = []
    expressions: list[Expression] = []
    for coding in codings:
        made = fit(coding, listed.numbers[0], listed.numbers[-1], tally)
        if isinstance(made, str):
            reason = f"{sheet_name} row {coding.row}: {made}"
            skipped.append(Skip(folder.subject, folder.video, reason))
        else:
            expressions.append(made)
    expressions.sort(key=lambda e: (e.onset, e.offset))
    video = Video(
        dataset=dataset,
        subject=folder.subject,
        video=folder.video,
        frames=listed.frames,
        frame_numbers=listed.numbers,
        fps=fps,
        expressions=expressions,
        notes=folder_notes,
    )
    return video, skipped, [f"{video.id}: {note}" for note in folder_notes]


def _folder_notes(listed: FrameList) -> list[str]:
    """Junk, repeated numbers and jumps in the frame numbers, one note each."""
    notes: list[str] = []
    if listed.junk:
        notes.append(f"ignored non-frame file(s): {few(listed.junk)}")
    if listed.duplicates:
        notes.append(f"ignored duplicate frame number(s): {few(listed.duplicates)}")
    numbers = listed.numbers
    gaps = [str(b) for a, b in zip(numbers, numbers[1:]) if b != a + 1]
    if gaps:
        notes.append(f"frame numbers jump before {few(gaps)}")
    return notes
