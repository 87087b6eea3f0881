"""The records every release reader produces: a ``Clip`` per usable short sample, a ``Video`` (with
its annotated ``Expression``s) per long video, a ``Skip`` per row, folder or sample that was not
loaded (with the reason), and the error for a release that cannot be read at all."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microexp.data.frames import natural_sorted


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
    dataset: str = "casme2"  # the registered reader's name
    fps: float = 200.0  # frames per second of the recording

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


@dataclass
class ClipSet:
    """A parsed release: usable clips, skips and notes, and where they came from."""

    root: Path
    sheet: Path | None  # None for releases without an annotation sheet
    frames_tree: Path
    tree_kind: str  # "cropped", "raw", or "mixed" (a composite of releases read differently)
    protocol: str
    classes: tuple[str, ...]
    clips: list[Clip]
    skipped: list[Skip]
    notes: list[str]
    #: a composite's tree kind per member release (``Clip.dataset`` -> "cropped" or "raw")
    member_kinds: dict[str, str] = field(default_factory=dict)

    @property
    def subjects(self) -> list[str]:
        """Subjects with at least one usable clip, in natural order."""
        return natural_sorted({c.subject for c in self.clips})

    def per_class(self) -> dict[str, int]:
        """Number of usable clips per class name (every class listed, zeros included).

        Counted by label: a class may gather several emotions (negative = disgust, anger...)."""
        counts = Counter(self.classes[c.label] for c in self.clips if c.label is not None)
        return {name: counts.get(name, 0) for name in self.classes}

    def fingerprint(self) -> str:
        """A hash of what the pipeline reads: frame paths and sizes, intervals and labels.

        Used to key caches (frames, flow): any change to the data or its annotation changes it.
        """
        h = hashlib.sha256()
        h.update(f"{self.tree_kind}|{self.protocol}".encode())
        for clip in self.clips:
            h.update(f"{clip.id}|{clip.onset}|{clip.apex}|{clip.offset}|{clip.label}\n".encode())
            for path, number in zip(clip.frames, clip.frame_numbers):
                try:
                    size = path.stat().st_size
                except OSError:
                    size = -1
                h.update(f"{number}:{path.relative_to(self.frames_tree)}:{size}\n".encode())
        return h.hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """The JSON summary of the CLI (``--json``)."""
        return {
            "root": str(self.root),
            "sheet": None if self.sheet is None else _relative(self.sheet, self.root),
            "frames_tree": _relative(self.frames_tree, self.root),
            "tree_kind": self.tree_kind,
            "protocol": f"{self.protocol}-class",
            "clips": len(self.clips),
            "subjects": len(self.subjects),
            "subject_ids": self.subjects,
            "per_class": self.per_class(),
            "skipped": [
                {"subject": s.subject, "episode": s.episode, "reason": s.reason}
                for s in self.skipped
            ],
            "notes": list(self.notes),
        }


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


EXPRESSION_KINDS = ("micro", "macro")


@dataclass
class Expression:
    """One annotated expression inside a long video (absolute frame numbers, inclusive)."""

    onset: int
    apex: int
    offset: int
    kind: str  # "micro" or "macro"
    emotion: str = ""
    action_units: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in EXPRESSION_KINDS:
            raise ValueError(
                f"expression kind must be one of {EXPRESSION_KINDS}, not {self.kind!r}"
            )


@dataclass
class Video:
    """One long video and every expression annotated in it.

    ``video`` is the id as the MEGC lists write it (``15_0101`` for CAS(ME)^2, ``006_1`` for
    SAMM long videos); frame numbers are absolute and sorted numerically.
    """

    dataset: str
    subject: str
    video: str
    frames: list[Path]
    frame_numbers: list[int]
    fps: float
    expressions: list[Expression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.subject}/{self.video}"

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class VideoSet:
    """A parsed long-video release: usable videos, skips and notes, and where they came from."""

    root: Path
    sheet: Path | None
    frames_tree: Path
    dataset: str
    fps: float
    videos: list[Video]
    skipped: list[Skip]
    notes: list[str]

    @property
    def subjects(self) -> list[str]:
        """Subjects with at least one usable video, in natural order."""
        return natural_sorted({v.subject for v in self.videos})

    def per_kind(self) -> dict[str, int]:
        """Annotated expressions per kind (micro, macro) over the usable videos."""
        counts = Counter(e.kind for v in self.videos for e in v.expressions)
        return {kind: counts.get(kind, 0) for kind in EXPRESSION_KINDS}

    def fingerprint(self) -> str:
        """A hash of what the pipeline reads (frame paths and sizes, annotations): keys caches."""
        h = hashlib.sha256()
        h.update(f"{self.dataset}|videos".encode())
        for video in self.videos:
            h.update(f"{video.id}|{video.fps}\n".encode())
            for e in video.expressions:
                h.update(f"{e.onset}|{e.apex}|{e.offset}|{e.kind}|{e.emotion}\n".encode())
            for path, number in zip(video.frames, video.frame_numbers):
                try:
                    size = path.stat().st_size
                except OSError:
                    size = -1
                h.update(f"{number}:{path.relative_to(self.frames_tree)}:{size}\n".encode())
        return h.hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (the dataset CLI's ``--json``)."""
        return {
            "root": str(self.root),
            "sheet": None if self.sheet is None else _relative(self.sheet, self.root),
            "frames_tree": _relative(self.frames_tree, self.root),
            "dataset": self.dataset,
            "fps": self.fps,
            "videos": len(self.videos),
            "frames": sum(len(v) for v in self.videos),
            "subjects": len(self.subjects),
            "subject_ids": self.subjects,
            "expressions": self.per_kind(),
            "skipped": [
                {"subject": s.subject, "episode": s.episode, "reason": s.reason}
                for s in self.skipped
            ],
            "notes": list(self.notes),
        }
