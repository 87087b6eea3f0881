"""CASME (the first CASME): the coded sheet and the frame folders of its two sections.

``CASME-coded-20190721.xls`` (or a copy saved as .xlsx/CSV) with ``Subject, Filename, OnsetF,
ApexF1, ApexF2, OffsetF, Onset, Total, AU, Emotion`` (``Onset``/``Total`` are durations in ms,
not frames; ``ApexF2``, the apex plateau's end, is not used). Frames are in
``CASME_A/Section A/subNN/EPxx_yy/`` and ``CASME_B/Section B/...`` (read as one tree), or in
``CASME_raw_selected/`` or ``Cropped/``; files are ``{Filename}-{n}.jpg`` in some folders and
``img{n}.jpg`` in others, ``n`` absolute and padded in some; 60 fps.
"""

from __future__ import annotations

from pathlib import Path

from microexp.data.datasets.casme2 import subject_name
from microexp.data.datasets.folders import (
    FrameTree,
    TreeNames,
    descend_to_subjects,
    find_frames_tree,
    index_tree,
)
from microexp.data.datasets.sheet_release import load_sheet_release
from microexp.data.datasets.sheets import Columns
from microexp.data.datasets.spec import SheetRelease
from microexp.data.records import ClipSet, DataFormatError

CASME_FPS = 60.0
TREES = TreeNames(cropped=("Cropped", "CASME_cropped"), raw=("CASME_raw_selected",))
#: The original release's section folders (raw frames), read together as one tree.
SECTIONS = ("CASME_A/Section A", "CASME_B/Section B", "Section A", "Section B")


class CASMEFormatError(DataFormatError):
    """CASME cannot be read at all; the message names the file (and row, if any)."""


def _find_tree(root: Path, tree: str, notes: list[str]) -> tuple[FrameTree, str]:
    """The cropped or raw tree as for any release; without one (of the kind asked for), the
    sections merged into one tree."""
    sections = [root / s for s in SECTIONS if (root / s).is_dir()]
    names = {"auto": TREES.cropped + TREES.raw, "raw": TREES.raw}.get(tree)
    if sections and names is not None and not any((root / n).is_dir() for n in names):
        folders: dict[str, dict[str, Path]] = {}
        for section in sections:
            section = descend_to_subjects(section, notes, subject_name)
            for subject, episodes in index_tree(section, notes, subject_name).folders.items():
                if subject in folders:
                    notes.append(f"{subject} is in two sections; using the first")
                    continue
                folders[subject] = episodes
        return FrameTree(path=root, folders=folders), "raw"
    return _single(root, tree, notes)


def _single(root: Path, tree: str, notes: list[str]) -> tuple[FrameTree, str]:
    path, kind, tree_notes = find_frames_tree(root, tree, TREES, subject_name, CASMEFormatError)
    notes.extend(tree_notes)
    return index_tree(path, notes, subject_name), kind


COLUMNS = Columns(
    aliases={
        "subject": "subject",
        "filename": "filename",
        "onsetf": "onset",
        "onsetframe": "onset",
        "apexf1": "apex",
        "apexf": "apex",
        "apexframe": "apex",
        "offsetf": "offset",
        "offsetframe": "offset",
        "au": "action_units",
        "aus": "action_units",
        "actionunits": "action_units",
        "emotion": "emotion",
        "estimatedemotion": "emotion",
    },
    required=("subject", "filename", "onset", "offset", "emotion"),
    titles={
        "subject": "Subject",
        "filename": "Filename",
        "onset": "OnsetF",
        "apex": "ApexF1",
        "offset": "OffsetF",
        "action_units": "AU",
        "emotion": "Emotion",
    },
    missing_notes={"apex": "no ApexF1 column; apex = interval midpoint"},
)

CASME = SheetRelease(
    name="casme",
    title="CASME",
    fps=CASME_FPS,
    columns=COLUMNS,
    sheet_names=("CASME-coded-20190721.xlsx", "CASME-coded-20190721.xls", "casme.xlsx"),
    sheet_patterns=("CASME-coded*.xls*", "*coded*.xls*", "*coded*.csv"),
    trees=TREES,
    subject_of=subject_name,
    error=CASMEFormatError,
    find_tree=_find_tree,
)


def load_casme(
    root: str | Path,
    *,
    protocol: str = "4",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a CASME folder (coded sheet + frame folders) into :class:`Clip` records.

    Args:
        root: the folder holding the coded sheet and ``CASME_A/``, ``CASME_B/`` (or
            ``CASME_raw_selected/`` or ``Cropped/``).
        protocol: ``"4"`` (tense, disgust, repression, surprise: the classes with enough
            samples) or ``"all"`` (the eight emotions).
        tree: ``"auto"`` (cropped if present, else raw), ``"cropped"``, ``"raw"`` or a folder.
        sheet: the coded sheet, if not found automatically under ``root``.

    Raises:
        CASMEFormatError: when the folder, sheet or frame tree cannot be used at all.
    """
    return load_sheet_release(CASME, root, protocol=protocol, tree=tree, sheet=sheet)
