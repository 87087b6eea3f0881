"""The records every release reader produces: a ``Clip`` per usable sample, a ``Skip`` per row,
folder or clip that was not loaded (with the reason), and the error for a release that cannot be
read at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class DataFormatError(ValueError):
    """The dataset cannot be read at all; the message names the file (and row, if any)."""


@dataclass
class Clip:
    """One labelled micro-expression clip.

    Frame numbers are absolute (as in the file names and the coding sheet) and sorted
    numerically. ``label`` is the class index under the protocol in use, or None when the clip is
    not part of it.
    """

    subject: str
    episode: str
    frames: list[Path]
    frame_numbers: list[int]
    onset: int
    apex: int
    offset: int
    emotion: str
    label: int | None
    action_units: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """``"sub01/EP02_01f"``: unique within a dataset."""
        return f"{self.subject}/{self.episode}"

    def __len__(self) -> int:
        return len(self.frames)


@dataclass(frozen=True)
class Skip:
    """A clip (or sheet row, or folder) that was not loaded, with the reason."""

    subject: str
    episode: str
    reason: str
