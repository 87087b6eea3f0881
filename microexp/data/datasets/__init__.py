"""Release readers behind one record: ``data=<name>`` picks a reader by name.

A clip reader is a function ``(root, *, protocol, tree, sheet) -> ClipSet`` that only parses the
release's annotations and frame tree into :class:`~microexp.data.records.Clip` records; a video
reader ``(root, *, tree, sheet) -> VideoSet`` does the same for long videos
(:class:`~microexp.data.records.Video`). Both note or skip (with a reason) every quirk. A new
release is one new module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microexp.data.records import ClipSet, VideoSet


@dataclass(frozen=True)
class ReaderEntry:
    """A registered reader: the release's name as people write it, and ``"module:function"``
    (imported on first use)."""

    title: str
    target: str
    kind: str = "clips"  # "clips" (ClipSet) or "videos" (VideoSet)


READERS: dict[str, ReaderEntry] = {
    "casme2": ReaderEntry("CASME II", "microexp.data.datasets.casme2:load_casme2"),
    "casme_sq": ReaderEntry(
        "CAS(ME)^2", "microexp.data.datasets.casme_sq:load_casme_sq", kind="videos"
    ),
    "samm_lv": ReaderEntry(
        "SAMM long videos", "microexp.data.datasets.samm_lv:load_samm_lv", kind="videos"
    ),
    "samm": ReaderEntry("SAMM", "microexp.data.datasets.samm:load_samm"),
    "smic": ReaderEntry("SMIC-HS", "microexp.data.datasets.smic:load_smic"),
    "casme": ReaderEntry("CASME", "microexp.data.datasets.casme:load_casme"),
    "casme3": ReaderEntry("CAS(ME)^3 part A", "microexp.data.datasets.casme3:load_casme3"),
    "composite": ReaderEntry(
        "MEGC 2019 composite (CASME II + SAMM + SMIC-HS)",
        "microexp.data.datasets.composite:load_composite",
    ),
}


def reader(name: str) -> Callable[..., ClipSet | VideoSet]:
    """The reader registered as ``name``; ValueError naming the known readers otherwise."""
    try:
        target = READERS[name].target
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise ValueError(f"unknown dataset {name!r}: known readers are {known}") from None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def read_clips(name: str, root: str | Path, **options: Any) -> ClipSet:
    """Read the short-clip release at ``root`` with the reader registered as ``name``."""
    _expect(name, "clips")
    return reader(name)(root, **options)


def read_videos(name: str, root: str | Path, **options: Any) -> VideoSet:
    """Read the long-video release at ``root`` with the reader registered as ``name``."""
    _expect(name, "videos")
    return reader(name)(root, **options)


def _expect(name: str, kind: str) -> None:
    entry = READERS.get(name)
    if entry is not None and entry.kind != kind:
        raise ValueError(
            f"dataset {name!r} ({entry.title}) holds {entry.kind}, not {kind}: "
            f"use a {kind[:-1]} pipeline for it"
        )
