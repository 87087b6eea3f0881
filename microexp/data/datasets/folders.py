"""Frame trees of any release: pick one (cropped faces or raw frames), index its subject and clip
folders, and scan a clip folder into numerically sorted frames with junk and damaged files set
aside."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from microexp.data.frames import IMAGE_SUFFIXES, natural_key
from microexp.data.records import DataFormatError

#: A folder name -> the subject it holds (canonical name), or None when it is not a subject.
SubjectOf = Callable[[str], "str | None"]
_TRAILING_NUMBER = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class TreeNames:
    """Where a release keeps its frames, relative to its root, preferred first. ``"."`` is the
    root itself (used only when subject folders sit directly in it)."""

    cropped: tuple[str, ...]
    raw: tuple[str, ...]


def find_frames_tree(
    root: Path,
    tree: str,
    names: TreeNames,
    subject_of: SubjectOf,
    error: type[DataFormatError],
) -> tuple[Path, str, list[str]]:
    """Pick the frame tree: ``auto`` prefers cropped faces, ``cropped``/``raw`` force a kind,
    anything else is a folder name relative to ``root``. Returns (path, kind, notes)."""
    notes: list[str] = []
    if tree not in ("auto", "cropped", "raw"):
        path = root / tree
        if not path.is_dir():
            raise error(f"frame tree {path} does not exist")
        kind = "raw" if any(tree.rstrip("/").endswith(n) for n in names.raw) else "cropped"
        return descend_to_subjects(path, notes, subject_of), kind, notes
    wanted = {
        "auto": names.cropped + names.raw,
        "cropped": names.cropped,
        "raw": names.raw,
    }[tree]
    found = [name for name in wanted if _holds_tree(root, name, subject_of)]
    if not found:
        shown = ", ".join(n + "/" for n in wanted if n != ".")
        raise error(f"no frame tree under {root}: expected one of {shown}")
    # a folder found together with one inside it (SMIC_all_cropped, SMIC_all_cropped/HS) is
    # the same tree
    found = [n for n in found if not any(f.startswith(n + "/") for f in found)]
    name = found[0]
    if len(found) > 1:
        notes.append(f"using frames from {name}/ (also present: {', '.join(found[1:])})")
    kind = "cropped" if name in names.cropped else "raw"
    return descend_to_subjects(root / name, notes, subject_of), kind, notes


def _holds_tree(root: Path, name: str, subject_of: SubjectOf) -> bool:
    if name == ".":
        return any(p.is_dir() and subject_of(p.name) for p in root.iterdir())
    return (root / name).is_dir()


def descend_to_subjects(path: Path, notes: list[str], subject_of: SubjectOf) -> Path:
    """Zip archives often add one more level (``Cropped/Cropped/sub01``): step into it."""
    for _ in range(2):
        dirs = [p for p in path.iterdir() if p.is_dir()]
        if any(subject_of(p.name) for p in dirs):
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


def scan_frame_folder(path: Path, within: tuple[int, int] | None = None) -> FrameFolder:
    """List a clip folder's frames sorted by their number; junk and broken files set aside.

    The frame number is the trailing digit run of the file name, padded or not
    (``reg_img46.jpg``, ``006_05562.jpg``, ``EP01_12-073.jpg``, ``image031578.bmp``).
    ``within`` (first, last): frames numbered outside it are passed over unchecked (a clip cut
    out of a long video).
    """
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
        if within is not None and not within[0] <= number <= within[1]:
            continue
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


def frame_numbers(path: Path) -> list[int]:
    """The sorted frame numbers of a folder's image files, from their names only (unchecked)."""
    numbers = set()
    for entry in path.iterdir():
        m = _TRAILING_NUMBER.search(entry.stem)
        if m is not None and entry.suffix.lower() in IMAGE_SUFFIXES and entry.is_file():
            numbers.add(int(m.group(1)))
    return sorted(numbers)


def folder_notes(folder: FrameFolder) -> list[str]:
    """What the folder scan set aside, one note per kind."""
    notes: list[str] = []
    if folder.junk:
        notes.append(f"ignored non-frame file(s): {few(folder.junk)}")
    if folder.duplicates:
        notes.append(f"ignored duplicate frame number(s): {few(folder.duplicates)}")
    if folder.unreadable:
        described = [f"{p.name} ({why})" for p, why in folder.unreadable]
        notes.append(f"dropped unreadable frame(s): {few(described)}")
    return notes


@dataclass
class FrameTree:
    """An indexed frame tree: its folder and subject -> {episode folder name -> path}."""

    path: Path
    folders: dict[str, dict[str, Path]]


def index_tree(tree: Path, notes: list[str], subject_of: SubjectOf) -> FrameTree:
    """Index the subject and episode folders of ``tree``; non-folders noted as junk."""
    index: dict[str, dict[str, Path]] = {}
    junk: list[str] = []
    for sub in sorted(tree.iterdir(), key=lambda p: natural_key(p.name)):
        name = subject_of(sub.name) if sub.is_dir() else None
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
