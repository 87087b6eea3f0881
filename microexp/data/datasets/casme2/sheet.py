"""The CASME II coding sheet: find it, read it (.xlsx or CSV, header row wherever it is, columns
matched by header name) into raw rows, and the cell helpers that turn its values into subjects,
frame numbers and text."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from microexp.data.frames import natural_key
from microexp.data.records import DataFormatError

#: Coding-sheet file names, most recent first.
SHEET_NAMES: tuple[str, ...] = (
    "CASME2-coding-updated.xlsx",
    "CASME2-coding-20190701.xlsx",
    "CASME2-coding-20140508.xlsx",
)

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


class CASME2FormatError(DataFormatError):
    """CASME II cannot be read at all; the message names the file (and row, if any)."""


# --------------------------------------------------------------------------------------------
# cells


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


def as_frame_number(value: Any) -> int | None:
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


def cell_text(value: Any) -> str:
    """A cell as text: blank -> ``""``, ``12.0`` -> ``"12"``, stripped otherwise."""
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
