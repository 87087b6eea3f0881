"""The CASME II frame trees: pick one (cropped faces or raw frames), index its subject and clip
folders, and scan a clip folder into numerically sorted frames with junk and damaged files set
aside."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from microexp.data.datasets.casme2.sheet import CASME2FormatError, subject_name
from microexp.data.frames import IMAGE_SUFFIXES, natural_key

#: Frame trees, preferred first: cropped faces, then raw frames.
CROPPED_TREES: tuple[str, ...] = ("Cropped", "Cropped_original", "Cropped-updated/Cropped")
RAW_TREES: tuple[str, ...] = ("CASME2_RAW_selected", "CASME2-RAW", "CASME2_RAW")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


def find_frames_tree(root: Path, tree: str = "auto") -> tuple[Path, str, list[str]]:
    """Pick the frame tree: ``auto`` prefers cropped faces, ``cropped``/``raw`` force a kind,
    anything else is a folder name relative to ``root``. Returns (path, kind, notes)."""
    notes: list[str] = []
    if tree not in ("auto", "cropped", "raw"):
        path = root / tree
        if not path.is_dir():
            raise CASME2FormatError(f"frame tree {path} does not exist")
        kind = "raw" if any(tree.rstrip("/").endswith(n) for n in RAW_TREES) else "cropped"
        return _descend_to_subjects(path, notes), kind, notes
    wanted = {"auto": CROPPED_TREES + RAW_TREES, "cropped": CROPPED_TREES, "raw": RAW_TREES}[tree]
    found = [name for name in wanted if (root / name).is_dir()]
    if not found:
        raise CASME2FormatError(
            f"no frame tree under {root}: expected one of {', '.join(n + '/' for n in wanted)}"
        )
    name = found[0]
    if len(found) > 1:
        notes.append(f"using frames from {name}/ (also present: {', '.join(found[1:])})")
    kind = "cropped" if name in CROPPED_TREES else "raw"
    return _descend_to_subjects(root / name, notes), kind, notes


def _descend_to_subjects(path: Path, notes: list[str]) -> Path:
    """Zip archives often add one more level (``Cropped/Cropped/sub01``): step into it."""
    for _ in range(2):
        dirs = [p for p in path.iterdir() if p.is_dir()]
        if any(subject_name(p.name) for p in dirs):
            return path
        if len(dirs) == 1:
            notes.append(f"subject folders found one level down, in {dirs[0]}")
            path = dirs[0]
    return path


@dataclass
class FrameFolder:
    """A scanned clip folder: frames sorted by number, and what was set aside."""

    path: Path
    frames: list[Path]
    numbers: list[int]
    unreadable: list[tuple[Path, str]]
    junk: list[str]
    duplicates: list[str]


def _frame_problem(path: Path) -> str | None:
    """A cheap integrity check: empty files, wrong magic bytes, truncated JPEG/PNG."""
    try:
        size = path.stat().st_size
        if size == 0:
            return "empty file (0 bytes)"
        with path.open("rb") as fh:
            head = fh.read(8)
            fh.seek(max(0, size - 1024))
            tail = fh.read(1024)
    except OSError as exc:
        return f"cannot read ({exc.strerror})"
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        if not head.startswith(b"\xff\xd8"):
            return "not a JPEG"
        if b"\xff\xd9" not in tail:
            return "truncated JPEG"
    elif suffix == ".png":
        if not head.startswith(b"\x89PNG"):
            return "not a PNG"
        if b"IEND" not in tail:
            return "truncated PNG"
    elif suffix == ".bmp" and not head.startswith(b"BM"):
        return "not a BMP"
    return None


def scan_frame_folder(path: Path) -> FrameFolder:
    """List a clip folder's frames sorted by their number; junk and broken files set aside."""
    numbered: dict[int, Path] = {}
    junk: list[str] = []
    duplicates: list[str] = []
    unreadable: list[tuple[Path, str]] = []
    for entry in sorted(path.iterdir(), key=lambda p: natural_key(p.name)):
        if entry.is_dir() or entry.suffix.lower() not in IMAGE_SUFFIXES:
            junk.append(entry.name)
            continue
        m = _TRAILING_NUMBER.search(entry.stem)
        if m is None:
            junk.append(entry.name)
            continue
        number = int(m.group(1))
        if number in numbered:
            duplicates.append(entry.name)
            continue
        problem = _frame_problem(entry)
        if problem is not None:
            unreadable.append((entry, problem))
            continue
        numbered[number] = entry
    numbers = sorted(numbered)
    return FrameFolder(
        path=path,
        frames=[numbered[n] for n in numbers],
        numbers=numbers,
        unreadable=unreadable,
        junk=junk,
        duplicates=duplicates,
    )


@dataclass
class FrameTree:
    """An indexed frame tree: its folder and subject -> {episode folder name -> path}."""

    path: Path
    folders: dict[str, dict[str, Path]]


def index_tree(tree: Path, notes: list[str]) -> FrameTree:
    """Index the subject and episode folders of ``tree``; non-folders noted as junk."""
    index: dict[str, dict[str, Path]] = {}
    junk: list[str] = []
    for sub in sorted(tree.iterdir(), key=lambda p: natural_key(p.name)):
        name = subject_name(sub.name) if sub.is_dir() else None
        if name is None:
            junk.append(sub.name)
            continue
        if name in index:
            notes.append(f"two folders for {name} ({sub.name}); using the first")
            continue
        episodes: dict[str, Path] = {}
        for ep in sorted(sub.iterdir(), key=lambda p: natural_key(p.name)):
            if ep.is_dir():
                episodes[ep.name] = ep
            else:
                junk.append(f"{sub.name}/{ep.name}")
        index[name] = episodes
    if junk:
        notes.append(f"ignored {len(junk)} stray file(s) in the frame tree: {few(junk)}")
    return FrameTree(path=tree, folders=index)


def few(items: Sequence[str], n: int = 5) -> str:
    """The first ``n`` items, comma-separated, and how many more (for notes)."""
    shown = ", ".join(items[:n])
    return shown + (f" (+{len(items) - n} more)" if len(items) > n else "")


def match_episode(episodes: dict[str, Path], name: str) -> tuple[str | None, bool]:
    """Exact folder name, else a case/whitespace-insensitive match. Returns (key, was_exact)."""
    if name in episodes:
        return name, True
    folded = name.strip().lower()
    for key in episodes:
        if key.strip().lower() == folded:
            return key, False
    return None, False
