"""The CASME II reader: coding sheet + frame tree -> :class:`ClipSet`."""

from __future__ import annotations

from pathlib import Path

from microexp.classes import PROTOCOLS
from microexp.data.datasets.casme2.rows import RowLog, read_row
from microexp.data.datasets.casme2.sheet import CASME2FormatError, find_sheet, read_coding_sheet
from microexp.data.datasets.casme2.tree import FrameTree, few, find_frames_tree, index_tree
from microexp.data.frames import natural_key
from microexp.data.records import Clip, ClipSet, Skip


def load_casme2(
    root: str | Path,
    *,
    protocol: str = "5",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a CASME II folder (coding sheet + frame tree) into :class:`Clip` records.

    Args:
        root: the dataset folder (holding the coding sheet and ``Cropped/`` and/or
            ``CASME2_RAW_selected/``).
        protocol: ``"5"`` (happiness, disgust, repression, surprise, others; fear and sadness are
            skipped) or ``"7"`` (all seven emotions).
        tree: ``"auto"`` (cropped if present, else raw), ``"cropped"``, ``"raw"`` or a folder name.
        sheet: the coding sheet, if not found automatically under ``root``.

    Returns:
        The dataset: usable clips, every skip with its reason, and notes on what was adjusted.

    Raises:
        CASME2FormatError: when the folder, sheet or frame tree cannot be used at all.
    """
    root = Path(root).expanduser()
    protocol = str(protocol).split("-")[0]
    if protocol not in PROTOCOLS:
        raise CASME2FormatError(f"unknown protocol {protocol!r}: use 5 or 7")
    if not root.is_dir():
        raise CASME2FormatError(f"CASME II root {root} is not a folder")
    notes: list[str] = []
    sheet_path = _sheet_path(root, sheet)
    rows = read_coding_sheet(sheet_path, notes)
    tree_path, tree_kind, tree_notes = find_frames_tree(root, tree)
    notes.extend(tree_notes)
    frames = index_tree(tree_path, notes)

    clips: list[Clip] = []
    skipped: list[Skip] = []
    log = RowLog()
    for row in rows:
        item = read_row(row, frames, sheet_name=sheet_path.name, protocol=protocol, log=log)
        if isinstance(item, Clip):
            clips.append(item)
        else:
            skipped.append(item)
    skipped.extend(_unclaimed_folders(frames, log.claimed))
    notes.extend(_clip_notes(clips, log.apex_midpoints))
    clips.sort(key=lambda c: (natural_key(c.subject), natural_key(c.episode)))
    return ClipSet(
        root=root,
        sheet=sheet_path,
        frames_tree=tree_path,
        tree_kind=tree_kind,
        protocol=protocol,
        classes=PROTOCOLS[protocol],
        clips=clips,
        skipped=skipped,
        notes=notes,
    )


def _sheet_path(root: Path, sheet: str | Path | None) -> Path:
    """The coding sheet: ``sheet`` (relative to ``root`` unless it exists as given), else found
    under ``root``."""
    sheet_path = Path(sheet) if sheet is not None else find_sheet(root)
    if not sheet_path.is_absolute() and not sheet_path.exists():
        sheet_path = root / sheet_path
    if not sheet_path.is_file():
        raise CASME2FormatError(f"coding sheet {sheet_path} does not exist")
    return sheet_path


def _unclaimed_folders(frames: FrameTree, claimed: set[tuple[str, str]]) -> list[Skip]:
    """A skip for every episode folder that no sheet row matched."""
    return [
        Skip(subject, name, "folder has no row in the coding sheet")
        for subject, episodes in frames.folders.items()
        for name in episodes
        if (subject, name) not in claimed
    ]


def _clip_notes(clips: list[Clip], apex_midpoints: list[str]) -> list[str]:
    """The dataset's notes on its clips: one for every midpoint apex, then each clip's other
    notes prefixed by its id."""
    notes: list[str] = []
    if apex_midpoints:
        notes.append(
            f"{len(apex_midpoints)} clip(s) with no apex frame ('/'): the onset-offset midpoint "
            f"is used ({few(apex_midpoints)})"
        )
    for clip in clips:
        for note in clip.notes:
            if not note.startswith("apex "):
                notes.append(f"{clip.id}: {note}")
    return notes
