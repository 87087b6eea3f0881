"""Read CASME II as researchers hold it: the coding sheet and the frame trees (DESIGN §2).

The reader never crashes on the dataset's known quirks. Each one is handled and counted: a clip
is either loaded (possibly with a note saying what was adjusted) or skipped with a named reason.
Only a dataset that cannot be read at all (no coding sheet, no frame tree, a sheet without the
required columns) raises :class:`CASME2FormatError`, whose message names the file and, where it
applies, the row.

Command line::

    python -m microexp.data.casme2 ROOT [--json] [--protocol 5|7] [--tree auto|cropped|raw]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from microexp.classes import PROTOCOLS, canonical_emotion
from microexp.data.frames import IMAGE_SUFFIXES, natural_key
from microexp.data.records import Clip, ClipSet, DataFormatError, Skip

log = logging.getLogger(__name__)

#: Coding-sheet file names, most recent first.
SHEET_NAMES: tuple[str, ...] = (
    "CASME2-coding-updated.xlsx",
    "CASME2-coding-20190701.xlsx",
    "CASME2-coding-20140508.xlsx",
)
#: Frame trees, preferred first: cropped faces, then raw frames.
CROPPED_TREES: tuple[str, ...] = ("Cropped", "Cropped_original", "Cropped-updated/Cropped")
RAW_TREES: tuple[str, ...] = ("CASME2_RAW_selected", "CASME2-RAW", "CASME2_RAW")

# Normalised header -> field. Headers are compared lower-cased with non-alphanumerics removed.
_HEADER_ALIASES: dict[str, str] = {
    "subject": "subject",
    "subjects": "subject",
    "sub": "subject",
    "filename": "filename",
    "file": "filename",
    "onsetframe": "onset",
    "onset": "onset",
    "apexframe": "apex",
    "apex": "apex",
    "apexframe1": "apex",
    "offsetframe": "offset",
    "offset": "offset",
    "actionunits": "action_units",
    "actionunit": "action_units",
    "aus": "action_units",
    "au": "action_units",
    "estimatedemotion": "emotion",
    "emotion": "emotion",
    "estimatedemotions": "emotion",
    "emotions": "emotion",
}
_REQUIRED = ("subject", "filename", "onset", "offset", "emotion")
_COLUMN_TITLES = {
    "subject": "Subject",
    "filename": "Filename",
    "onset": "OnsetFrame",
    "apex": "ApexFrame",
    "offset": "OffsetFrame",
    "action_units": "Action Units",
    "emotion": "Estimated Emotion",
}
_SUBJECT_RE = re.compile(r"^s(?:ub(?:ject)?)?[\s_-]*0*(\d+)$", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"(\d+)$")


class CASME2FormatError(DataFormatError):
    """CASME II cannot be read at all; the message names the file (and row, if any)."""


# --------------------------------------------------------------------------------------------
# helpers


def subject_name(value: Any) -> str | None:
    """``1``, ``1.0``, ``"1"``, ``"sub01"``, ``"s1"`` -> ``"sub01"``; None when not a subject."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
            return None
        return f"sub{int(value):02d}"
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        m = _SUBJECT_RE.match(text)
        return f"sub{int(m.group(1)):02d}" if m else None
    return subject_name(number)


def _as_frame_number(value: Any) -> int | None:
    """An integral frame number, or None (blank, ``/``, text, fractions)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _norm_header(value: Any) -> str:
    return "" if _is_blank(value) else re.sub(r"[^a-z0-9]", "", str(value).lower())


def _cell_text(value: Any) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------------------------
# coding sheet


@dataclass
class SheetRow:
    """One row of the coding sheet, as read (values raw, row number as in the spreadsheet)."""

    row: int
    values: dict[str, Any]


def find_sheet(root: Path) -> Path:
    """The coding sheet under ``root``: a known name first, else any ``*coding*`` workbook/CSV."""
    for name in SHEET_NAMES:
        if (root / name).is_file():
            return root / name
    candidates = [
        p
        for pattern in ("*coding*.xlsx", "*coding*.xls", "*coding*.csv", "*/*coding*.xlsx")
        for p in root.glob(pattern)
        if p.is_file() and not p.name.startswith("~$")
    ]
    if not candidates:
        raise CASME2FormatError(
            f"no CASME II coding sheet under {root}: expected one of {', '.join(SHEET_NAMES)} "
            "(or a file matching *coding*.xlsx)"
        )
    return sorted(candidates, key=lambda p: natural_key(p.name))[-1]


def _read_raw_tables(path: Path, notes: list[str]) -> list[pd.DataFrame]:
    """Every table in the sheet file, header-less, values as objects."""
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise CASME2FormatError(f"cannot read coding sheet {path}: {exc}") from exc
    if not head:
        raise CASME2FormatError(f"coding sheet {path} is empty (0 bytes)")
    if head.startswith(b"PK"):
        try:
            book = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
        except Exception as exc:  # openpyxl raises many types on damaged workbooks
            raise CASME2FormatError(f"coding sheet {path} is not a readable .xlsx: {exc}") from exc
        return list(book.values())
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CASME2FormatError(
            f"coding sheet {path} is an old binary .xls workbook; open it and save it as .xlsx"
        )
    # Not a workbook: maybe CSV text (also a CSV renamed .xlsx).
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("latin-1")
        except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes any byte
            raise CASME2FormatError(f"coding sheet {path} is neither .xlsx nor text") from exc
    if "\x00" in text:
        raise CASME2FormatError(f"coding sheet {path} is neither an .xlsx workbook nor CSV text")
    try:
        table = _read_csv_table(text)
    except csv.Error as exc:
        raise CASME2FormatError(
            f"coding sheet {path} is neither an .xlsx workbook nor readable CSV: {exc}"
        ) from exc
    if path.suffix.lower() != ".csv":
        notes.append(f"coding sheet {path.name} is CSV text, not an .xlsx workbook: read as CSV")
    return [table]


#: CSV delimiters tried, in order.
_CSV_DELIMITERS = (",", ";", "\t", "|")


def _names_header(values: Iterable[Any]) -> bool:
    """Whether a row names both a subject and a file-name column (the header row)."""
    names = {_HEADER_ALIASES.get(_norm_header(v)) for v in values}
    return {"subject", "filename"} <= names


def _read_csv_table(text: str) -> pd.DataFrame:
    """CSV text as a header-less table of strings, short rows padded with blanks (so a title
    line above the header or trailing cells left out do not matter). The delimiter is the
    first of ``, ; tab |`` under which a header row appears in the first 30 rows, else ``,``.
    Raises csv.Error on text the csv module cannot split."""
    chosen: list[list[str]] | None = None
    for delimiter in _CSV_DELIMITERS:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        if chosen is None:
            chosen = rows  # the fallback: comma-separated
        if any(_names_header(r) for r in rows[:30]):
            chosen = rows
            break
    rows = chosen or []
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


def read_coding_sheet(path: Path, notes: list[str] | None = None) -> list[SheetRow]:
    """Parse the coding sheet into rows keyed by field name.

    The header row is found among the first 30 rows of each table (the first row naming both a
    subject and a file-name column). Columns are matched by header name, so blank or
    ``Unnamed: N`` columns and column order do not matter. Raises :class:`CASME2FormatError` when
    no table has the required columns, or the table has no data rows.
    """
    notes = notes if notes is not None else []
    tables = _read_raw_tables(path, notes)
    problems: list[str] = []
    for table in tables:
        if table.empty:
            problems.append("a sheet is empty")
            continue
        header_index = None
        for i in range(min(30, len(table))):
            if _names_header(table.iloc[i].tolist()):
                header_index = i
                break
        if header_index is None:
            problems.append("no header row naming 'Subject' and 'Filename' in the first 30 rows")
            continue
        columns: dict[str, int] = {}
        for j, value in enumerate(table.iloc[header_index].tolist()):
            key = _HEADER_ALIASES.get(_norm_header(value))
            if key is None:
                continue
            if key in columns:
                notes.append(
                    f"coding sheet {path.name}: two columns for {_COLUMN_TITLES[key]!r}; "
                    "using the first"
                )
                continue
            columns[key] = j
        missing = [k for k in _REQUIRED if k not in columns]
        if missing:
            raise CASME2FormatError(
                f"coding sheet {path}: missing column(s) "
                f"{', '.join(repr(_COLUMN_TITLES[k]) for k in missing)} in header row "
                f"{header_index + 1}"
            )
        if "apex" not in columns:
            notes.append(
                f"coding sheet {path.name}: no ApexFrame column; apex = interval midpoint"
            )
        rows: list[SheetRow] = []
        blank = 0
        for i in range(header_index + 1, len(table)):
            raw = table.iloc[i].tolist()
            values = {k: raw[j] if j < len(raw) else None for k, j in columns.items()}
            if all(_is_blank(v) for v in values.values()):
                blank += 1
                continue
            rows.append(SheetRow(row=i + 1, values=values))
        if blank:
            notes.append(f"coding sheet {path.name}: {blank} blank row(s) ignored")
        if not rows:
            raise CASME2FormatError(f"coding sheet {path}: header found but no data rows")
        return rows
    raise CASME2FormatError(f"coding sheet {path}: " + "; ".join(problems or ["no data"]))


# --------------------------------------------------------------------------------------------
# frame trees


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
class _FrameFolder:
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


def scan_frame_folder(path: Path) -> _FrameFolder:
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
    return _FrameFolder(
        path=path,
        frames=[numbered[n] for n in numbers],
        numbers=numbers,
        unreadable=unreadable,
        junk=junk,
        duplicates=duplicates,
    )


def _index_tree(tree: Path, notes: list[str]) -> dict[str, dict[str, Path]]:
    """subject -> {episode folder name -> path}; non-folders noted as junk."""
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
        notes.append(f"ignored {len(junk)} stray file(s) in the frame tree: {_few(junk)}")
    return index


def _few(items: Sequence[str], n: int = 5) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" (+{len(items) - n} more)" if len(items) > n else "")


def _match_episode(episodes: dict[str, Path], name: str) -> tuple[str | None, bool]:
    """Exact folder name, else a case/whitespace-insensitive match. Returns (key, was_exact)."""
    if name in episodes:
        return name, True
    folded = name.strip().lower()
    for key in episodes:
        if key.strip().lower() == folded:
            return key, False
    return None, False


# --------------------------------------------------------------------------------------------
# the loader


def load_casme2(
    root: str | Path,
    *,
    protocol: str = "5",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a CASME II folder (coding sheet + frame tree) into :class:`Clip` records.

    Args:
        root: the dataset folder (holding the coding sheet and ``Cropped/`` and/or
            ``CASME2_RAW_selected/``).
        protocol: ``"5"`` (happiness, disgust, repression, surprise, others; fear and sadness are
            skipped) or ``"7"`` (all seven emotions).
        tree: ``"auto"`` (cropped if present, else raw), ``"cropped"``, ``"raw"`` or a folder name.
        sheet: the coding sheet, if not found automatically under ``root``.

    Returns:
        The dataset: usable clips, every skip with its reason, and notes on what was adjusted.

    Raises:
        CASME2FormatError: when the folder, sheet or frame tree cannot be used at all.
    """
    root = Path(root).expanduser()
    protocol = str(protocol).split("-")[0]
    if protocol not in PROTOCOLS:
        raise CASME2FormatError(f"unknown protocol {protocol!r}: use 5 or 7")
    if not root.is_dir():
        raise CASME2FormatError(f"CASME II root {root} is not a folder")
    classes = PROTOCOLS[protocol]
    notes: list[str] = []
    sheet_path = Path(sheet) if sheet is not None else find_sheet(root)
    if not sheet_path.is_absolute() and not sheet_path.exists():
        sheet_path = root / sheet_path
    if not sheet_path.is_file():
        raise CASME2FormatError(f"coding sheet {sheet_path} does not exist")
    rows = read_coding_sheet(sheet_path, notes)
    tree_path, tree_kind, tree_notes = find_frames_tree(root, tree)
    notes.extend(tree_notes)
    index = _index_tree(tree_path, notes)

    clips: list[Clip] = []
    skipped: list[Skip] = []
    claimed: set[tuple[str, str]] = set()
    seen_rows: dict[tuple[str, str], int] = {}
    apex_midpoints: list[str] = []

    for row in rows:
        v = row.values
        where = f"{sheet_path.name} row {row.row}"
        subject = subject_name(v.get("subject"))
        episode = _cell_text(v.get("filename"))
        shown_subject = subject or _cell_text(v.get("subject"))
        if subject is None:
            skipped.append(
                Skip(
                    shown_subject,
                    episode,
                    f"{where}: Subject {v.get('subject')!r} is not a subject number",
                )
            )
            continue
        if not episode:
            skipped.append(Skip(subject, "", f"{where}: empty Filename"))
            continue
        key = (subject, episode.lower())
        if key in seen_rows:
            skipped.append(Skip(subject, episode, f"{where}: duplicate of row {seen_rows[key]}"))
            continue
        seen_rows[key] = row.row
        episodes = index.get(subject, {})
        folder_key, exact = _match_episode(episodes, episode)
        if folder_key is not None:
            claimed.add((subject, folder_key))

        onset = _as_frame_number(v.get("onset"))
        offset = _as_frame_number(v.get("offset"))
        if onset is None or offset is None:
            bad = "OnsetFrame" if onset is None else "OffsetFrame"
            raw = v.get("onset") if onset is None else v.get("offset")
            skipped.append(
                Skip(subject, episode, f"{where}: {bad} {_cell_text(raw)!r} is not a frame number")
            )
            continue
        emotion_raw = _cell_text(v.get("emotion")).lower()
        emotion = canonical_emotion(emotion_raw)
        if emotion is None:
            skipped.append(Skip(subject, episode, f"{where}: unknown emotion {emotion_raw!r}"))
            continue
        if emotion not in classes:
            skipped.append(
                Skip(
                    subject,
                    episode,
                    f"emotion '{emotion}' is not in the {protocol}-class protocol",
                )
            )
            continue
        if offset < onset:
            skipped.append(
                Skip(subject, episode, f"{where}: offset {offset} is before onset {onset}")
            )
            continue
        if folder_key is None:
            skipped.append(
                Skip(subject, episode, f"no frame folder {tree_path.name}/{subject}/{episode}")
            )
            continue
        clip_notes: list[str] = []
        if not exact:
            clip_notes.append(f"sheet name {episode!r} matched folder {folder_key!r}")
        folder = scan_frame_folder(episodes[folder_key])
        if folder.junk:
            clip_notes.append(f"ignored non-frame file(s): {_few(folder.junk)}")
        if folder.duplicates:
            clip_notes.append(f"ignored duplicate frame number(s): {_few(folder.duplicates)}")
        if folder.unreadable:
            described = [f"{p.name} ({why})" for p, why in folder.unreadable]
            clip_notes.append(f"dropped unreadable frame(s): {_few(described)}")
        if not folder.frames:
            reason = "no frames in folder"
            if folder.unreadable:
                reason = f"no readable frames in folder ({len(folder.unreadable)} unreadable)"
            skipped.append(Skip(subject, folder_key, reason))
            continue
        if len(folder.frames) < 2:
            skipped.append(Skip(subject, folder_key, "fewer than 2 readable frames"))
            continue
        first, last = folder.numbers[0], folder.numbers[-1]
        if onset > last or offset < first:
            skipped.append(
                Skip(
                    subject,
                    folder_key,
                    f"interval {onset}-{offset} lies outside the folder's frames {first}-{last}",
                )
            )
            continue
        if onset < first:
            clip_notes.append(f"onset {onset} before the first frame {first}: clamped")
            onset = first
        if offset > last:
            clip_notes.append(f"offset {offset} after the last frame {last}: clamped")
            offset = last
        apex = _as_frame_number(v.get("apex"))
        if apex is None:
            midpoint = (onset + offset) // 2
            apex_text = _cell_text(v.get("apex"))
            clip_notes.append(
                f"apex {apex_text!r} is not a frame number: midpoint {midpoint} used"
            )
            apex_midpoints.append(f"{subject}/{folder_key}")
            apex = midpoint
        elif not onset <= apex <= offset:
            clamped = min(max(apex, onset), offset)
            clip_notes.append(f"apex {apex} outside [{onset}, {offset}]: clamped to {clamped}")
            apex = clamped
        gaps = [b for a, b in zip(folder.numbers, folder.numbers[1:]) if b != a + 1]
        if gaps:
            clip_notes.append(f"frame numbers jump before {_few([str(g) for g in gaps])}")
        clips.append(
            Clip(
                subject=subject,
                episode=folder_key,
                frames=folder.frames,
                frame_numbers=folder.numbers,
                onset=onset,
                apex=apex,
                offset=offset,
                emotion=emotion,
                label=classes.index(emotion),
                action_units=_cell_text(v.get("action_units")),
                notes=clip_notes,
            )
        )

    for subject, episodes in index.items():
        for name in episodes:
            if (subject, name) not in claimed:
                skipped.append(Skip(subject, name, "folder has no row in the coding sheet"))

    if apex_midpoints:
        notes.append(
            f"{len(apex_midpoints)} clip(s) with no apex frame ('/'): the onset-offset midpoint "
            f"is used ({_few(apex_midpoints)})"
        )
    for clip in clips:
        for note in clip.notes:
            if not note.startswith("apex "):
                notes.append(f"{clip.id}: {note}")
    clips.sort(key=lambda c: (natural_key(c.subject), natural_key(c.episode)))
    return ClipSet(
        root=root,
        sheet=sheet_path,
        frames_tree=tree_path,
        tree_kind=tree_kind,
        protocol=protocol,
        classes=classes,
        clips=clips,
        skipped=skipped,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# command line


def _print_table(ds: ClipSet) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    s = ds.summary()
    console.print(f"[bold]CASME II[/bold] at {s['root']}")
    console.print(f"  sheet: {s['sheet']}    frames: {s['frames_tree']} ({s['tree_kind']})")
    console.print(
        f"  {s['clips']} usable clips from {s['subjects']} subjects ({s['protocol']} protocol)"
    )
    table = Table(title="clips per class")
    table.add_column("class")
    table.add_column("clips", justify="right")
    for name, n in s["per_class"].items():
        table.add_row(name, str(n))
    console.print(table)
    if ds.skipped:
        skips = Table(title=f"skipped ({len(ds.skipped)})")
        skips.add_column("subject")
        skips.add_column("episode")
        skips.add_column("reason")
        for item in ds.skipped:
            skips.add_row(item.subject, item.episode, item.reason)
        console.print(skips)
    for note in ds.notes:
        console.print(f"  note: {note}")


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: summarise a CASME II folder."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.data.casme2", description="Summarise a CASME II folder."
    )
    parser.add_argument("root", type=Path, help="dataset folder (coding sheet + frame tree)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--protocol", default="5", choices=["5", "7"], help="class protocol")
    parser.add_argument("--tree", default="auto", help="auto | cropped | raw | folder name")
    parser.add_argument("--sheet", type=Path, default=None, help="coding sheet, if elsewhere")
    args = parser.parse_args(argv)
    try:
        ds = load_casme2(args.root, protocol=args.protocol, tree=args.tree, sheet=args.sheet)
    except CASME2FormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(ds.summary(), indent=2))
    else:
        _print_table(ds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
