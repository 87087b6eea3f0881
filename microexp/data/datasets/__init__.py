"""Release readers behind one record: ``data=<name>`` picks a reader by name.

A reader is a function ``(root, *, protocol, tree, sheet) -> ClipSet`` that only parses the
release's annotations and frame tree into :class:`~microexp.data.records.Clip` records, noting or
skipping (with a reason) every quirk. A new release is one new module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microexp.data.records import ClipSet


@dataclass(frozen=True)
class ReaderEntry:
    """A registered reader: the release's name as people write it, and ``"module:function"``
    (imported on first use)."""

    title: str
    target: str


READERS: dict[str, ReaderEntry] = {
    "casme2": ReaderEntry("CASME II", "microexp.data.datasets.casme2:load_casme2"),
}


def reader(name: str) -> Callable[..., ClipSet]:
    """The reader registered as ``name``; ValueError naming the known readers otherwise."""
    try:
        target = READERS[name].target
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise ValueError(f"unknown dataset {name!r}: known readers are {known}") from None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def read_clips(name: str, root: str | Path, **options: Any) -> ClipSet:
    """Read the release at ``root`` with the reader registered as ``name``."""
    return reader(name)(root, **options)
