"""Build tiny long-video releases (CAS(ME)^2, SAMM long videos) on disk, quirks planted on
purpose. Frames are a few bytes each: the readers list them, they never decode them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from microexp.data.records import Expression, Video, VideoSet

CASME_SQ_BOOK = "CAS(ME)^2code_final.xlsx"
SAMM_LV_BOOK = "SAMM_LongVideos_V3_Release.xlsx"
SAMM_LV_HEADER = [
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset",
    "Apex",
    "Offset",
    "Duration",
    "Type",
    "Action Units",
    "Notes",
]
#: naming rule1 (index, folder, participant) and naming rule2 (code, stimulus) of the fixtures.
RULE1 = [[1, "s15", 1], [2, "s16", 2]]
RULE2 = [["0101", "disgust1"], ["0102", "disgust2"], ["0401", "anger1"], ["0502", "happy1"]]


def touch_frames(folder: Path, names: Iterable[str]) -> None:
    """Create frame files (a JPEG's first and last two bytes) named ``names`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"\xff\xd8\xff\xd9")


def write_casme_sq_book(
    path: Path,
    rows: Iterable[Sequence[Any]],
    rule1: Iterable[Sequence[Any]] | None = RULE1,
    rule2: Iterable[Sequence[Any]] | None = RULE2,
) -> Path:
    """The CAS(ME)^2 workbook: expression rows (no header), then the naming sheets (left out
    when None)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "CASFEcode_final"
    for row in rows:
        ws.append(list(row))
    for title, table in (("naming rule1", rule1), ("naming rule2", rule2)):
        if table is not None:
            sheet = wb.create_sheet(title)
            for row in table:
                sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def cas_row(
    participant: Any, name: str, onset: Any, apex: Any, offset: Any, kind: str = "macro"
) -> list[Any]:
    """One expression row in the release's column order."""
    return [participant, name, onset, apex, offset, "4+9", "negative", f"{kind}-expression", ""]


def write_samm_lv_book(
    path: Path,
    rows: Iterable[Sequence[Any]],
    title_rows: int = 9,
    header: Sequence[Any] = SAMM_LV_HEADER,
) -> Path:
    """The SAMM long-videos workbook: a title block, the header row, the rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for k in range(title_rows):
        ws.append([f"title line {k + 1}" if k % 3 == 0 else None])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def samm_row(
    filename: str, onset: Any, apex: Any, offset: Any, kind: str = "Macro", notes: Any = None
) -> list[Any]:
    """One expression row in the release's column order."""
    subject, video = filename.split("_")[:2]
    return [subject, filename, int(video), onset, apex, offset, 0, kind, "R12", notes]


def video_of(ds: VideoSet, video: str) -> Video:
    """The one loaded video ``video``."""
    found = [v for v in ds.videos if v.video == video]
    assert len(found) == 1, f"{video} not loaded; skipped: {ds.skipped}"
    return found[0]


def spans(video: Video) -> list[tuple[int, int, int, str]]:
    """Each expression's (onset, apex, offset, kind)."""
    return [(e.onset, e.apex, e.offset, e.kind) for e in video.expressions]


def expression_at(video: Video, onset: int) -> Expression:
    """The expression of ``video`` that starts at ``onset``."""
    return next(e for e in video.expressions if e.onset == onset)
