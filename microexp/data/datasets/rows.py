"""One sheet row, with the indexed frame tree, becomes a :class:`Clip` or a :class:`Skip` with its
reason; every adjustment on the way (clamped interval, missing apex, dropped frames) is written
into the clip's notes. The same function reads every sheet-plus-frames release."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microexp.classes import Protocol, canonical_emotion
from microexp.data.datasets.folders import (
    FrameFolder,
    FrameTree,
    few,
    folder_notes,
    frame_numbers,
    match_episode,
    scan_frame_folder,
)
from microexp.data.datasets.sheets import SheetRow, as_frame_number, cell_text
from microexp.data.datasets.spec import SheetRelease
from microexp.data.records import Clip, Skip


@dataclass
class RowLog:
    """What the rows read so far have taken: row key -> sheet row, the folders they matched,
    the clips whose apex was adjusted (by kind), and the clips cut from each video."""

    rows: dict[tuple, int] = field(default_factory=dict)
    claimed: set[tuple[str, str]] = field(default_factory=set)
    apex_midpoints: list[str] = field(default_factory=list)
    apex_clamped: list[str] = field(default_factory=list)
    apex_at_onset: list[str] = field(default_factory=list)
    cuts: Counter[tuple[str, str]] = field(default_factory=Counter)
    episodes: set[tuple[str, str]] = field(default_factory=set)
    _numbers: dict[Path, list[int]] = field(default_factory=dict)

    def video_numbers(self, path: Path) -> list[int]:
        """A video folder's frame numbers (listed once per folder)."""
        if path not in self._numbers:
            self._numbers[path] = frame_numbers(path)
        return self._numbers[path]


@dataclass(frozen=True)
class _Coding:
    onset: int
    offset: int
    emotion: str
    label: int


def read_row(
    row: SheetRow,
    tree: FrameTree,
    *,
    release: SheetRelease,
    sheet_name: str,
    protocol: str,
    log: RowLog,
) -> Clip | Skip:
    """Turn one sheet row into a clip, or a skip with its reason under ``protocol``.

    ``log`` carries what earlier rows took (duplicates are skipped, matched folders claimed) and is
    updated. ``sheet_name`` and ``row.row`` name the row in skip reasons.
    """
    v = row.values
    where = f"{sheet_name} row {row.row}"
    subject = release.subject_of(v.get("subject"))
    episode = cell_text(v.get("filename"))
    if subject is None:
        reason = f"{where}: Subject {v.get('subject')!r} is not a subject number"
        return Skip(cell_text(v.get("subject")), episode, reason)
    if not episode:
        return Skip(subject, "", f"{where}: empty Filename")
    key: tuple = (subject, episode.lower())
    if release.cut:  # several rows share a video: a duplicate repeats the interval too
        key += (cell_text(v.get("onset")), cell_text(v.get("offset")))
    if key in log.rows:
        return Skip(subject, episode, f"{where}: duplicate of row {log.rows[key]}")
    log.rows[key] = row.row
    episodes = tree.folders.get(subject, {})
    folder_key, exact = match_episode(episodes, episode)
    if folder_key is not None:
        log.claimed.add((subject, folder_key))
    coding = _coding(v, where, subject, episode, release, release.protocol(protocol))
    if isinstance(coding, Skip):
        return coding
    if folder_key is None:
        missing = f"{tree.path.name}/{subject}/{episode} (emotion: {coding.emotion})"
        return Skip(subject, episode, f"no frame folder {missing}")
    notes: list[str] = []
    if not exact:
        notes.append(f"sheet name {episode!r} matched folder {folder_key!r}")
    path = episodes[folder_key]
    if release.frames_subdir and (path / release.frames_subdir).is_dir():
        path = path / release.frames_subdir
    if release.cut:
        return _cut_clip(v, subject, folder_key, path, coding, notes, release, log)
    return _clip(v, subject, folder_key, path, coding, notes, release, log)


def _coding(
    v: dict[str, Any],
    where: str,
    subject: str,
    episode: str,
    release: SheetRelease,
    protocol: tuple[str, Protocol],
) -> _Coding | Skip:
    """The row's interval and emotion, or the skip that names what is wrong with them."""
    onset = as_frame_number(v.get("onset"))
    offset = as_frame_number(v.get("offset"))
    if onset is None or offset is None:
        field_name = "onset" if onset is None else "offset"
        bad = release.columns.titles[field_name]
        raw = v.get(field_name)
        return Skip(subject, episode, f"{where}: {bad} {cell_text(raw)!r} is not a frame number")
    emotion_raw = cell_text(v.get("emotion")).lower()
    emotion = canonical_emotion(emotion_raw)
    if emotion is None:
        return Skip(subject, episode, f"{where}: unknown emotion {emotion_raw!r}")
    name, classes = protocol
    label = classes.label(emotion)
    if label is None:
        return Skip(subject, episode, f"emotion '{emotion}' is not in the {name}-class protocol")
    if offset < onset:
        return Skip(subject, episode, f"{where}: offset {offset} is before onset {onset}")
    return _Coding(onset, offset, emotion, label)


def _fit(
    numbers: list[int], coding: _Coding, notes: list[str], subject: str, folder_key: str
) -> tuple[int, int] | Skip:
    """The interval fitted to the frames found (clamped with a note), or a skip when it lies
    entirely outside them."""
    first, last = numbers[0], numbers[-1]
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
    return onset, offset


def _clip(
    v: dict[str, Any],
    subject: str,
    folder_key: str,
    path: Path,
    coding: _Coding,
    notes: list[str],
    release: SheetRelease,
    log: RowLog,
) -> Clip | Skip:
    """The clip in folder ``path`` (matched as ``folder_key``), its interval fitted to the
    frames found; a skip when the folder has too few frames or none in the interval."""
    folder = scan_frame_folder(path)
    notes.extend(folder_notes(folder))
    if not folder.frames:
        reason = "no frames in folder"
        if folder.unreadable:
            reason = f"no readable frames in folder ({len(folder.unreadable)} unreadable)"
        return Skip(subject, folder_key, reason)
    if len(folder.frames) < 2:
        return Skip(subject, folder_key, "fewer than 2 readable frames")
    fitted = _fit(folder.numbers, coding, notes, subject, folder_key)
    if isinstance(fitted, Skip):
        return fitted
    return _finish(v, subject, folder_key, folder, fitted, coding, notes, release, log)


def _cut_clip(
    v: dict[str, Any],
    subject: str,
    video: str,
    path: Path,
    coding: _Coding,
    notes: list[str],
    release: SheetRelease,
    log: RowLog,
) -> Clip | Skip:
    """The clip cut from video folder ``path``: its frames onset..offset, named
    ``{video}_{onset}`` (with ``_2``, ``_3``... if that name is taken)."""
    episode = f"{video}_{coding.onset}"
    k = 1
    while (subject, episode) in log.episodes:
        k += 1
        episode = f"{video}_{coding.onset}_{k}"
    numbers = log.video_numbers(path)
    if not numbers:
        return Skip(subject, episode, f"no frames in video folder {video}")
    fitted = _fit(numbers, coding, notes, subject, episode)
    if isinstance(fitted, Skip):
        return fitted
    folder = scan_frame_folder(path, within=fitted)
    notes.extend(folder_notes(folder))
    if len(folder.frames) < 2:
        return Skip(subject, episode, "fewer than 2 readable frames in onset..offset")
    log.episodes.add((subject, episode))
    log.cuts[(subject, video)] += 1
    return _finish(v, subject, episode, folder, fitted, coding, notes, release, log)


def _finish(
    v: dict[str, Any],
    subject: str,
    episode: str,
    folder: FrameFolder,
    interval: tuple[int, int],
    coding: _Coding,
    notes: list[str],
    release: SheetRelease,
    log: RowLog,
) -> Clip:
    """The clip: its apex (checked, with notes) and a note on gaps in its frame numbers."""
    onset, offset = interval
    clip_id = f"{subject}/{episode}"
    apex = apex_frame(v.get("apex"), onset, offset, notes, clip_id, log)
    gaps = [b for a, b in zip(folder.numbers, folder.numbers[1:]) if b != a + 1]
    if gaps:
        notes.append(f"frame numbers jump before {few([str(g) for g in gaps])}")
    return Clip(
        subject=subject,
        episode=episode,
        frames=folder.frames,
        frame_numbers=folder.numbers,
        onset=onset,
        apex=apex,
        offset=offset,
        emotion=coding.emotion,
        label=coding.label,
        action_units=cell_text(v.get("action_units")),
        notes=notes,
        dataset=release.name,
        fps=release.fps,
    )


def apex_frame(
    value: Any, onset: int, offset: int, notes: list[str], clip_id: str, log: RowLog
) -> int:
    """The apex frame: the interval midpoint when the cell is not a frame number (``/`` in
    CASME II), clamped into [onset, offset] when outside it; each case noted on the clip and
    logged by kind (so the dataset notes count them)."""
    apex = as_frame_number(value)
    if apex is None:
        midpoint = (onset + offset) // 2
        notes.append(f"apex {cell_text(value)!r} is not a frame number: midpoint {midpoint} used")
        log.apex_midpoints.append(clip_id)
        return midpoint
    if not onset <= apex <= offset:
        clamped = min(max(apex, onset), offset)
        notes.append(f"apex {apex} outside [{onset}, {offset}]: clamped to {clamped}")
        log.apex_clamped.append(clip_id)
        return clamped
    if apex == onset:
        notes.append(f"apex {apex} is the onset frame (no rise): kept")
        log.apex_at_onset.append(clip_id)
    return apex
