"""The CAS(ME)^2 reader: workbook + frame tree -> :class:`VideoSet`."""

from __future__ import annotations

from pathlib import Path

from microexp.data.datasets.casme_sq.rows import read_row
from microexp.data.datasets.casme_sq.tree import find_tree, index_videos
from microexp.data.datasets.casme_sq.workbook import (
    CasmeSqFormatError,
    find_workbook,
    read_casme_sq_workbook,
)
from microexp.data.datasets.long_videos import Tally, build_videos, given_file
from microexp.data.records import VideoSet

#: CAS(ME)^2 was filmed at 30 frames per second.
CASME_SQ_FPS = 30.0


def load_casme_sq(
    root: str | Path, *, tree: str = "auto", sheet: str | Path | None = None
) -> VideoSet:
    """Parse a CAS(ME)^2 folder (workbook + ``rawpic/`` frames) into :class:`Video` records.

    Rules, each counted in the notes: offset 0 = unknown, the interval ends at the apex (as the
    MEGC 2020 baseline and SOFTNet read it); apex 0 = unknown, the onset-offset midpoint; an
    interval reaching past the video's frames is clamped to them, one wholly outside is
    skipped; the sheet's type column, not the length, says micro or macro. Skipped and counted:
    rows whose participant, stimulus or video folder cannot be found, repeated rows, rows
    without a usable onset or offset. A video folder without rows is kept (a video without
    expressions still counts in MEGC scoring). Frames are listed, never read.

    Args:
        root: the dataset folder (the workbook and ``rawpic/``).
        tree: ``auto`` (``rawpic/``, else an aligned or cropped copy) or a folder name under
            ``root``.
        sheet: the workbook, if not found under ``root``.

    Raises:
        CasmeSqFormatError: when the folder, workbook or frame tree cannot be used at all.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise CasmeSqFormatError(f"CAS(ME)^2 root {root} is not a folder")
    notes: list[str] = []
    book_path = (
        find_workbook(root) if sheet is None else given_file(root, sheet, CasmeSqFormatError)
    )
    book = read_casme_sq_workbook(book_path, notes)
    tree_path = find_tree(root, tree, notes)
    folders, skipped = index_videos(tree_path, notes)
    tally = Tally()
    made = build_videos(
        "casme_sq",
        CASME_SQ_FPS,
        folders,
        (read_row(row, book, tally) for row in book.rows),
        sheet_name=book_path.name,
        tally=tally,
    )
    return VideoSet(
        root=root,
        sheet=book_path,
        frames_tree=tree_path,
        dataset="casme_sq",
        fps=CASME_SQ_FPS,
        videos=made.videos,
        skipped=made.skipped + skipped,
        notes=notes + made.notes,
    )
