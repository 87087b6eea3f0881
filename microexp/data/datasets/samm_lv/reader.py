"""The SAMM long-videos reader: workbook + frame tree -> :class:`VideoSet`."""

from __future__ import annotations

from pathlib import Path

from microexp.data.datasets.long_videos import Tally, build_videos, given_file
from microexp.data.datasets.samm_lv.rows import read_row
from microexp.data.datasets.samm_lv.tree import find_tree, index_videos
from microexp.data.datasets.samm_lv.workbook import (
    SammLvFormatError,
    find_workbook,
    read_samm_lv_workbook,
)
from microexp.data.records import VideoSet

#: SAMM was filmed at 200 frames per second.
SAMM_LV_FPS = 200.0


def load_samm_lv(
    root: str | Path, *, tree: str = "auto", sheet: str | Path | None = None
) -> VideoSet:
    """Parse a SAMM long-videos folder (workbook + ``SAMM_longvideos/``) into :class:`Video`
    records.

    Rules, each counted in the notes: onset 0 = the expression started before the video, kept
    from the video's first frame; a missing apex = the onset-offset midpoint; an interval
    reaching past the video's frames is clamped to them, one wholly outside is skipped; the
    Type column (``Micro - 1/2`` / ``Macro``) says micro or macro. Skipped and counted: rows
    whose video folder is missing, repeated rows, rows without a usable Filename, Type, Onset
    or Offset. A video folder without rows is kept (its predictions still count in MEGC
    scoring). Frames are listed by name (numbers past 9999 sort after 9999), never read.

    Args:
        root: the dataset folder (the workbook and ``SAMM_longvideos/``).
        tree: ``auto`` or a folder name under ``root``.
        sheet: the workbook, if not found under ``root`` (the newest version is used).

    Raises:
        SammLvFormatError: when the folder, workbook or frame tree cannot be used at all.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise SammLvFormatError(f"SAMM long-videos root {root} is not a folder")
    notes: list[str] = []
    book_path = (
        find_workbook(root, notes) if sheet is None else given_file(root, sheet, SammLvFormatError)
    )
    rows = read_samm_lv_workbook(book_path, notes)
    tree_path = find_tree(root, tree, notes)
    folders, skipped = index_videos(tree_path, notes)
    tally = Tally()
    made = build_videos(
        "samm_lv",
        SAMM_LV_FPS,
        folders,
        (read_row(row, book_path.name, tally) for row in rows),
        sheet_name=book_path.name,
        tally=tally,
    )
    return VideoSet(
        root=root,
        sheet=book_path,
        frames_tree=tree_path,
        dataset="samm_lv",
        fps=SAMM_LV_FPS,
        videos=made.videos,
        skipped=made.skipped + skipped,
        notes=notes + made.notes,
    )
