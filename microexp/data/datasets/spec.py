"""What tells one sheet-plus-frames release from another: its name and frame rate, its sheet's
columns and file names, where it keeps its frames, how it names subjects, and whether a sheet
row points at a clip folder or at a whole video to cut the clip from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microexp.classes import Protocol, protocol_of
from microexp.data.datasets.folders import FrameTree, TreeNames
from microexp.data.datasets.sheets import Columns
from microexp.data.records import DataFormatError

#: (root, tree option, notes) -> (the indexed frame tree, its kind: cropped or raw).
TreeFinder = Callable[[Path, str, list[str]], tuple[FrameTree, str]]


@dataclass(frozen=True)
class SheetRelease:
    """A release read from an annotation sheet plus a frame tree."""

    name: str  # the registered reader's name, written into Clip.dataset
    title: str  # the release as people write it
    fps: float
    columns: Columns
    sheet_names: tuple[str, ...]  # known sheet file names, preferred first
    sheet_patterns: tuple[str, ...]  # globs tried when no known name is present
    trees: TreeNames
    subject_of: Callable[[Any], str | None]  # a sheet cell or folder name -> subject id
    error: type[DataFormatError]
    #: False: a row names a folder holding its clip. True: a row names a whole video folder,
    #: and its clip is the frames onset..offset of that video (several rows may share it).
    cut: bool = False
    frames_subdir: str = ""  # the frames of an episode folder live in this sub-folder, if any
    find_tree: TreeFinder | None = None  # instead of ``trees`` (e.g. sections to merge)

    def protocol(self, protocol: str) -> tuple[str, Protocol]:
        """See :func:`resolve_protocol`."""
        return resolve_protocol(self.name, protocol, self.error)


def resolve_protocol(
    dataset: str, protocol: str, error: type[DataFormatError]
) -> tuple[str, Protocol]:
    """The protocol's name (``"5-class"`` -> ``"5"``) and classes for ``dataset``; ``error``
    naming the known protocols when the dataset has no such protocol."""
    name = str(protocol).split("-")[0]
    try:
        return name, protocol_of(dataset, name)
    except ValueError as exc:
        raise error(str(exc)) from None
