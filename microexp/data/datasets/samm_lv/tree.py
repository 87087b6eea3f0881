"""The SAMM long-videos frame tree: ``SAMM_longvideos/006_1/006_1_0001.jpg``, one folder per
video named with its MEGC id (``SUBJECT_VIDEO``); frame numbers grow past 9999
(``016_7_10000.jpg``)."""

from __future__ import annotations

import re
from pathlib import Path

from microexp.data.datasets.folders import few
from microexp.data.datasets.long_videos import VideoFolder, descend
from microexp.data.datasets.samm_lv.workbook import SammLvFormatError
from microexp.data.frames import natural_key
from microexp.data.records import Skip

#: Frame trees, preferred first.
TREES: tuple[str, ...] = ("SAMM_longvideos", "SAMM_longvideos_crop")
_VIDEO = re.compile(r"^(\d+)_(\d+)$")


def video_key(name: str) -> tuple[str, str] | None:
    """``"006_1"`` (a folder) or ``"006_1_2"`` (a sheet Filename) -> ``("006", "006_1")``;
    None when the name is neither."""
    m = re.match(r"^(\d+)_(\d+)(?:_\d+)?$", name.strip())
    if m is None:
        return None
    subject = f"{int(m.group(1)):03d}"
    return subject, f"{subject}_{int(m.group(2))}"


def find_tree(root: Path, tree: str, notes: list[str]) -> Path:
    """The frame tree: ``auto`` takes the first of :data:`TREES` present; anything else is a
    folder name relative to ``root``."""
    if tree != "auto":
        path = root / tree
        if not path.is_dir():
            raise SammLvFormatError(f"frame tree {path} does not exist")
    else:
        found = [name for name in TREES if (root / name).is_dir()]
        if not found:
            raise SammLvFormatError(
                f"no frame tree under {root}: expected one of {', '.join(t + '/' for t in TREES)}"
            )
        if len(found) > 1:
            notes.append(f"using frames from {found[0]}/ (also present: {', '.join(found[1:])})")
        path = root / found[0]
    return descend(path, _VIDEO.match, notes)


def index_videos(tree: Path, notes: list[str]) -> tuple[dict[str, VideoFolder], list[Skip]]:
    """Every video folder of the tree by video id; other entries noted, a second folder for
    one id skipped."""
    folders: dict[str, VideoFolder] = {}
    skipped: list[Skip] = []
    junk: list[str] = []
    for entry in sorted(tree.iterdir(), key=lambda p: natural_key(p.name)):
        key = video_key(entry.name) if _VIDEO.match(entry.name) and entry.is_dir() else None
        if key is None:
            junk.append(entry.name)
            continue
        subject, video = key
        if video in folders:
            reason = f"a second folder for video {video} (using {folders[video].path.name})"
            skipped.append(Skip(subject, entry.name, reason))
            continue
        folders[video] = VideoFolder(subject, video, entry)
    if junk:
        notes.append(f"ignored {len(junk)} entr(ies) of the frame tree: {few(junk)}")
    return folders, skipped
