"""The CAS(ME)^2 frame tree: ``rawpic/s15/15_0101disgustingteeth/img001.jpg``. Subject folders
``sNN``, one folder per video named ``NN_CODEname``; the video id is ``NN_CODE`` (``15_0101``),
as the MEGC lists write it."""

from __future__ import annotations

import re
from pathlib import Path

from microexp.data.datasets.casme_sq.workbook import CasmeSqFormatError
from microexp.data.datasets.folders import few
from microexp.data.datasets.long_videos import VideoFolder, descend
from microexp.data.frames import natural_key
from microexp.data.records import Skip

#: Frame trees, preferred first: the release's frames, then aligned or cropped copies.
TREES: tuple[str, ...] = ("rawpic", "rawpic_aligned", "rawpic_crop", "cropped")
SUBJECT = re.compile(r"^s(\d+)$", re.IGNORECASE)
_VIDEO = re.compile(r"^\d+_(\d{4})")


def video_id(subject: str, code: str) -> str:
    """``("s15", "0101")`` -> ``"15_0101"``."""
    return f"{subject[1:]}_{code}"


def find_tree(root: Path, tree: str, notes: list[str]) -> Path:
    """The frame tree: ``auto`` takes the first of :data:`TREES` present; anything else is a
    folder name relative to ``root``."""
    if tree != "auto":
        path = root / tree
        if not path.is_dir():
            raise CasmeSqFormatError(f"frame tree {path} does not exist")
    else:
        found = [name for name in TREES if (root / name).is_dir()]
        if not found:
            raise CasmeSqFormatError(
                f"no frame tree under {root}: expected one of {', '.join(t + '/' for t in TREES)}"
            )
        if len(found) > 1:
            notes.append(f"using frames from {found[0]}/ (also present: {', '.join(found[1:])})")
        path = root / found[0]
    return descend(path, SUBJECT.match, notes)


def index_videos(tree: Path, notes: list[str]) -> tuple[dict[str, VideoFolder], list[Skip]]:
    """Every video folder of the tree by video id; a second folder for one id is skipped, and
    entries that are neither subject nor video folders are noted."""
    folders: dict[str, VideoFolder] = {}
    skipped: list[Skip] = []
    junk: list[str] = []
    for sub in sorted(tree.iterdir(), key=lambda p: natural_key(p.name)):
        if not (sub.is_dir() and SUBJECT.match(sub.name)):
            junk.append(sub.name)
            continue
        subject = sub.name.lower()
        for entry in sorted(sub.iterdir(), key=lambda p: natural_key(p.name)):
            m = _VIDEO.match(entry.name)
            if not (entry.is_dir() and m):
                junk.append(f"{sub.name}/{entry.name}")
                continue
            video = video_id(subject, m.group(1))
            if video in folders:
                reason = f"a second folder for video {video} (using {folders[video].path.name})"
                skipped.append(Skip(subject, entry.name, reason))
                continue
            folders[video] = VideoFolder(subject, video, entry)
    if junk:
        notes.append(f"ignored {len(junk)} entr(ies) of the frame tree: {few(junk)}")
    return folders, skipped
