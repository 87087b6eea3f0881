"""SMIC-HS: class folders, no annotation sheet.

``HS/s1/micro/negative/s1_ne_01/image031578.bmp`` under ``SMIC_all_raw/`` or
``SMIC_all_cropped/`` (``reg_image*.bmp`` and ``.jpg`` copies are read the same way); frame
numbers are absolute; 100 fps. The class is the folder's name (negative, positive, surprise). A
clip folder holds the expression: onset and offset are its first and last frames, and, since
the release has no apex, the middle frame stands for it (noted on every clip and counted).
``non_micro/`` folders are passed over with a note.
"""

from __future__ import annotations

import re
from pathlib import Path

from microexp.data.datasets.folders import (
    TreeNames,
    few,
    find_frames_tree,
    folder_notes,
    scan_frame_folder,
)
from microexp.data.datasets.spec import resolve_protocol
from microexp.data.frames import natural_key
from microexp.data.records import Clip, ClipSet, DataFormatError, Skip

SMIC_FPS = 100.0
TREES = TreeNames(
    cropped=("SMIC_all_cropped/HS", "SMIC_all_cropped"),
    raw=("SMIC_all_raw/HS", "HS", "SMIC_all_raw", "."),
)
_SUBJECT_RE = re.compile(r"^s0*(\d+)$", re.IGNORECASE)
#: The class code inside clip names (``s1_ne_01``) -> the class folder's emotion.
_CODES = {"ne": "negative", "po": "positive", "sur": "surprise", "su": "surprise"}
_CLASS_FOLDERS = ("negative", "positive", "surprise")
_CLIP_RE = re.compile(r"^s\d+_([a-z]+)_\d+$", re.IGNORECASE)


class SMICFormatError(DataFormatError):
    """SMIC-HS cannot be read at all; the message names the folder."""


def smic_subject(name: object) -> str | None:
    """``"s1"``, ``"s01"``, ``"S1"`` -> ``"s1"``; None when not a subject folder."""
    m = _SUBJECT_RE.match(str(name).strip())
    return f"s{int(m.group(1))}" if m else None


def load_smic(
    root: str | Path,
    *,
    protocol: str = "3",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a SMIC-HS folder (class folders of frames) into :class:`Clip` records.

    Args:
        root: the folder holding ``SMIC_all_cropped/`` and/or ``SMIC_all_raw/`` (or ``HS/``,
            or the subject folders themselves).
        protocol: ``"3"`` (negative, positive, surprise), the release's own classes.
        tree: ``"auto"`` (cropped if present, else raw), ``"cropped"``, ``"raw"`` or a folder.
        sheet: must be None: SMIC-HS has no annotation sheet.

    Raises:
        SMICFormatError: when the folder or frame tree cannot be used at all.
    """
    root = Path(root).expanduser()
    name, classes = resolve_protocol("smic", protocol, SMICFormatError)
    if sheet is not None:
        raise SMICFormatError(f"SMIC-HS has no annotation sheet: {sheet} cannot be used")
    if not root.is_dir():
        raise SMICFormatError(f"SMIC-HS root {root} is not a folder")
    path, kind, notes = find_frames_tree(root, tree, TREES, smic_subject, SMICFormatError)
    clips: list[Clip] = []
    skipped: list[Skip] = []
    passed_over: list[str] = []
    for sub in sorted(path.iterdir(), key=lambda p: natural_key(p.name)):
        subject = smic_subject(sub.name) if sub.is_dir() else None
        if subject is None:
            passed_over.append(sub.name)
            continue
        for folder, emotion in _class_folders(sub, passed_over, skipped, subject):
            label = classes.classes.index(emotion)  # the protocol is the class folders
            for clip_dir in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
                if not clip_dir.is_dir():
                    passed_over.append(f"{sub.name}/{folder.name}/{clip_dir.name}")
                    continue
                item = _clip(subject, clip_dir, emotion, label)
                (clips if isinstance(item, Clip) else skipped).append(item)
    if passed_over:
        notes.append(f"passed over {len(passed_over)} other item(s): {few(passed_over)}")
    notes.extend(_notes(clips))
    return ClipSet(
        root=root,
        sheet=None,
        frames_tree=path,
        tree_kind=kind,
        protocol=name,
        classes=classes.classes,
        clips=clips,
        skipped=skipped,
        notes=notes,
    )


def _class_folders(
    sub: Path, passed_over: list[str], skipped: list[Skip], subject: str
) -> list[tuple[Path, str]]:
    """A subject's class folders with their emotion: ``micro/<class>/``, or ``<class>/``
    directly. ``non_micro/`` and stray files are passed over; other folders are skipped as
    unknown classes."""
    micro = next((p for p in sub.iterdir() if p.is_dir() and p.name.lower() == "micro"), sub)
    entries = sorted(micro.iterdir(), key=lambda p: natural_key(p.name))
    if micro is not sub:
        entries += sorted((p for p in sub.iterdir() if p != micro), key=lambda p: p.name)
    found: list[tuple[Path, str]] = []
    for entry in entries:
        emotion = entry.name.strip().lower()
        if entry.parent == micro and entry.is_dir() and emotion in _CLASS_FOLDERS:
            found.append((entry, emotion))
        elif entry.is_dir() and entry.parent == micro and "micro" not in emotion:
            skipped.append(Skip(subject, entry.name, f"unknown class folder {entry.name!r}"))
        else:
            passed_over.append(str(entry.relative_to(sub.parent)))
    return found


def _clip(subject: str, path: Path, emotion: str, label: int) -> Clip | Skip:
    """One clip folder: onset/offset = first/last frame, apex = the middle frame (noted)."""
    folder = scan_frame_folder(path)
    notes = folder_notes(folder)
    if not folder.frames:
        reason = "no frames in folder"
        if folder.unreadable:
            reason = f"no readable frames in folder ({len(folder.unreadable)} unreadable)"
        return Skip(subject, path.name, reason)
    if len(folder.frames) < 2:
        return Skip(subject, path.name, "fewer than 2 readable frames")
    m = _CLIP_RE.match(path.name)
    if m and _CODES.get(m.group(1).lower(), emotion) != emotion:
        notes.append(f"clip name code {m.group(1)!r} disagrees with its class folder {emotion!r}")
    numbers = folder.numbers
    apex = numbers[(len(numbers) - 1) // 2]
    notes.append(f"apex not annotated in SMIC-HS: the middle frame {apex} is used")
    gaps = [b for a, b in zip(numbers, numbers[1:]) if b != a + 1]
    if gaps:
        notes.append(f"frame numbers jump before {few([str(g) for g in gaps])}")
    return Clip(
        subject=subject,
        episode=path.name,
        frames=folder.frames,
        frame_numbers=numbers,
        onset=numbers[0],
        apex=apex,
        offset=numbers[-1],
        emotion=emotion,
        label=label,
        notes=notes,
        dataset="smic",
        fps=SMIC_FPS,
    )


def _notes(clips: list[Clip]) -> list[str]:
    """One note for the middle-frame apexes (every clip), then each clip's other notes."""
    notes: list[str] = []
    if clips:
        notes.append(
            f"{len(clips)} clip(s) without an apex annotation (SMIC-HS has none): the middle "
            f"frame is used ({few([c.id for c in clips])})"
        )
    for clip in clips:
        notes += [f"{clip.id}: {n}" for n in clip.notes if not n.startswith("apex ")]
    return notes
