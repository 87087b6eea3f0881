"""One coding-sheet row, with the indexed frame tree, becomes a :class:`Clip` or a :class:`Skip`
with its reason; every adjustment on the way (clamped interval, missing apex, dropped frames) is
written into the clip's notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microexp.classes import PROTOCOLS, canonical_emotion
from microexp.data.datasets.casme2.sheet import (
    SheetRow,
    as_frame_number,
    cell_text,
    subject_name,
)
from microexp.data.datasets.casme2.tree import (
    FrameFolder,
    FrameTree,
    few,
    match_episode,
    scan_frame_folder,
)
from microexp.data.records import Clip, Skip

#: CASME II was filmed at 200 frames per second.
CASME2_FPS = 200.0


@dataclass
class RowLog:
    """What the rows read so far have taken: (subject, episode) -> sheet row, the folders they
    matched, and the clips whose apex is the interval midpoint."""

    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    claimed: set[tuple[str, str]] = field(default_factory=set)
    apex_midpoints: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Coding:
    onset: int
    offset: int
    emotion: str
    label: int


def read_row(
    row: SheetRow, tree: FrameTree, *, sheet_name: str, protocol: str, log: RowLog
) -> Clip | Skip:
    """Turn one sheet row into a clip, or a skip with its reason.

    ``log`` carries what earlier rows took (duplicates are skipped, matched folders claimed) and
    is updated. ``sheet_name`` and ``row.row`` name the row in skip reasons.
    """
    v = row.values
    where = f"{sheet_name} row {row.row}"
    subject = subject_name(v.get("subject"))
    episode = cell_text(v.get("filename"))
    if subject is None:
        reason = f"{where}: Subject {v.get('subject')!r} is not a subject number"
        return Skip(cell_text(v.get("subject")), episode, reason)
    if not episode:
        return Skip(subject, "", f"{where}: empty Filename")
    key = (subject, episode.lower())
    if key in log.rows:
        return Skip(subject, episode, f"{where}: duplicate of row {log.rows[key]}")
    log.rows[key] = row.row
    episodes = tree.folders.get(subject, {})
    folder_key, exact = match_episode(episodes, episode)
    if folder_key is not None:
        log.claimed.add((subject, folder_key))
    coding = _coding(v, where, subject, episode, protocol)
    if isinstance(coding, Skip):
        return coding
    if folder_key is None:
        return Skip(subject, episode, f"no frame folder {tree.path.name}/{subject}/{episode}")
    notes: list[str] = []
    if not exact:
        notes.append(f"sheet name {episode!r} matched folder {folder_key!r}")
    return _clip(v, subject, folder_key, episodes[folder_key], coding, notes, log)


def _coding(
    v: dict[str, Any], where: str, subject: str, episode: str, protocol: str
) -> _Coding | Skip:
    """The row's interval and emotion, or the skip that names what is wrong with them."""
    onset = as_frame_number(v.get("onset"))
    offset = as_frame_number(v.get("offset"))
    if onset is None or offset is None:
        bad = "OnsetFrame" if onset is None else "OffsetFrame"
        raw = v.get("onset") if onset is None else v.get("offset")
        return Skip(subject, episode, f"{where}: {bad} {cell_text(raw)!r} is not a frame number")
    emotion_raw = cell_text(v.get("emotion")).lower()
    emotion = canonical_emotion(emotion_raw)
    if emotion is None:
        return Skip(subject, episode, f"{where}: unknown emotion {emotion_raw!r}")
    if emotion not in PROTOCOLS[protocol]:
        return Skip(
            subject, episode, f"emotion '{emotion}' is not in the {protocol}-class protocol"
        )
    if offset < onset:
        return Skip(subject, episode, f"{where}: offset {offset} is before onset {onset}")
    return _Coding(onset, offset, emotion, PROTOCOLS[protocol].index(emotion))


def _clip(
    v: dict[str, Any],
    subject: str,
    folder_key: str,
    path: Path,
    coding: _Coding,
    notes: list[str],
    log: RowLog,
) -> Clip | Skip:
    """The clip in folder ``path`` (matched as ``folder_key``), its interval fitted to the
    frames found; a skip when the folder has too few frames or none in the interval."""
    folder = scan_frame_folder(path)
    notes.extend(_folder_notes(folder))
    if not folder.frames:
        reason = "no frames in folder"
        if folder.unreadable:
            reason = f"no readable frames in folder ({len(folder.unreadable)} unreadable)"
        return Skip(subject, folder_key, reason)
    if len(folder.frames) < 2:
        return Skip(subject, folder_key, "fewer than 2 readable frames")
    first, last = folder.numbers[0], folder.numbers[-1]
    onset, offset = coding.onset, coding.offset
    if onset > last or offset < first:
        return Skip(
            subject,
            folder_key,
            f"interval {onset}-{offset} lies outside the folder's frames {first}-{last}",
        )
    if onset < first:
        notes.append(f"onset {onset} before the first frame {first}: clamped")
        onset = first
    if offset > last:
        notes.append(f"offset {offset} after the last frame {last}: clamped")
        offset = last
    apex, midpoint = _apex(v.get("apex"), onset, offset, notes)
    if midpoint:
        log.apex_midpoints.append(f"{subject}/{folder_key}")
    gaps = [b for a, b in zip(folder.numbers, folder.numbers[1:]) if b != a + 1]
    if gaps:
        notes.append(f"frame numbers jump before {few([str(g) for g in gaps])}")
    return Clip(
        subject=subject,
        episode=folder_key,
        frames=folder.frames,
        frame_numbers=folder.numbers,
        onset=onset,
        apex=apex,
        offset=offset,
        emotion=coding.emotion,
        label=coding.label,
        action_units=cell_text(v.get("action_units")),
        notes=notes,
        dataset="casme2",
        fps=CASME2_FPS,
    )


def _folder_notes(folder: FrameFolder) -> list[str]:
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


def _apex(value: Any, onset: int, offset: int, notes: list[str]) -> tuple[int, bool]:
    """The apex frame (clamped into [onset, offset], with a note) and whether it is the
    interval midpoint because the cell is not a frame number (``/`` in the release)."""
    apex = as_frame_number(value)
    if apex is None:
        midpoint = (onset + offset) // 2
        notes.append(f"apex {cell_text(value)!r} is not a frame number: midpoint {midpoint} used")
        return midpoint, True
    if not onset <= apex <= offset:
        clamped = min(max(apex, onset), offset)
        notes.append(f"apex {apex} outside [{onset}, {offset}]: clamped to {clamped}")
        return clamped, False
    return apex, False
