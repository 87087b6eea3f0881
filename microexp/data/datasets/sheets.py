"""Annotation sheets of any release: find the file, read it (.xlsx, old .xls, or CSV text; the
header row wherever it is; columns matched by header name) into raw rows, and the cell helpers
that turn its values into frame numbers and text."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from microexp.data.frames import natural_key
from microexp.data.records import DataFormatError

#: Rows searched for the header (title blocks above it are skipped).
HEADER_SEARCH_ROWS = 30
#: CSV delimiters tried, in order.
_CSV_DELIMITERS = (",", ";", "\t", "|")

# --------------------------------------------------------------------------------------------
# cells


def is_blank(value: Any) -> bool:
    """None, NaN, or whitespace only."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def norm_header(value: Any) -> str:
    """A header cell compared lower-cased with non-alphanumerics removed."""
    return "" if is_blank(value) else re.sub(r"[^a-z0-9]", "", str(value).lower())


def cell_text(value: Any) -> str:
    """A cell as text: blank -> ``""``, ``12.0`` -> ``"12"``, stripped otherwise."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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


# --------------------------------------------------------------------------------------------
# what a release's sheet looks like


@dataclass(frozen=True)
class Columns:
    """A release's sheet columns: normalised header -> field, the fields a row needs, each
    field's title as the release writes it (for messages), and a note for each optional field
    that the sheet lacks."""

    aliases: dict[str, str]
    required: tuple[str, ...]
    titles: dict[str, str]
    missing_notes: dict[str, str] = field(default_factory=dict)
    noun: str = "coding sheet"  # how messages call the file
    prefer_sheets: tuple[str, ...] = ()  # workbook sheets read first, if present

    def names_header(self, values: Iterable[Any]) -> bool:
        """Whether a row names both a subject and a file-name column (the header row)."""
        names = {self.aliases.get(norm_header(v)) for v in values}
        return {"subject", "filename"} <= names


@dataclass
class SheetRow:
    """One row of the sheet, as read (values raw, row number as in the spreadsheet)."""

    row: int
    values: dict[str, Any]


def find_sheet(
    root: Path,
    names: Sequence[str],
    patterns: Sequence[str],
    *,
    description: str,
    error: type[DataFormatError],
) -> Path:
    """The sheet under ``root``: a known name first (in order), else the naturally last file
    matching one of ``patterns``; ``error`` naming what was expected otherwise."""
    for name in names:
        if (root / name).is_file():
            return root / name
    candidates = [
        p
        for pattern in patterns
        for p in root.glob(pattern)
        if p.is_file() and not p.name.startswith("~$")
    ]
    if not candidates:
        raise error(
            f"no {description} under {root}: expected one of {', '.join(names)} "
            f"(or a file matching {patterns[0]})"
        )
    return sorted(candidates, key=lambda p: natural_key(p.name))[-1]


def sheet_path(
    root: Path, sheet: str | Path | None, find: Any, error: type[DataFormatError]
) -> Path:
    """The sheet: ``sheet`` (relative to ``root`` unless it exists as given), else ``find(root)``;
    ``error`` when it is not a file."""
    path = Path(sheet) if sheet is not None else find(root)
    if not path.is_absolute() and not path.exists():
        path = root / path
    if not path.is_file():
        raise error(f"coding sheet {path} does not exist")
    return path


# --------------------------------------------------------------------------------------------
# reading


def _read_workbook(
    path: Path, columns: Columns, error: type[DataFormatError], kind: str
) -> list[pd.DataFrame]:
    """Every sheet of a workbook, header-less, values as objects; preferred sheets first."""
    try:
        book = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except ImportError as exc:  # an old .xls needs xlrd
        raise error(
            f"{columns.noun} {path} is an old binary .xls workbook and {exc.name or 'xlrd'} is "
            "not installed: install xlrd, or open it and save it as .xlsx"
        ) from exc
    except Exception as exc:  # openpyxl/xlrd raise many types on damaged workbooks
        if kind == ".xls":
            raise error(
                f"{columns.noun} {path} is an old binary .xls workbook that cannot be read "
                f"({exc}); open it and save it as .xlsx"
            ) from exc
        raise error(f"{columns.noun} {path} is not a readable .xlsx: {exc}") from exc
    preferred = [n for p in columns.prefer_sheets for n in book if n.lower() == p.lower()]
    return [book[n] for n in preferred] + [t for n, t in book.items() if n not in preferred]


def _read_raw_tables(
    path: Path, columns: Columns, notes: list[str], error: type[DataFormatError]
) -> list[pd.DataFrame]:
    """Every table in the sheet file, header-less, values as objects."""
    noun = columns.noun
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise error(f"cannot read {noun} {path}: {exc}") from exc
    if not head:
        raise error(f"{noun} {path} is empty (0 bytes)")
    if head.startswith(b"PK"):
        return _read_workbook(path, columns, error, ".xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _read_workbook(path, columns, error, ".xls")
    # Not a workbook: maybe CSV text (also a CSV renamed .xlsx).
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("latin-1")
        except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes any byte
            raise error(f"{noun} {path} is neither .xlsx nor text") from exc
    if "\x00" in text:
        raise error(f"{noun} {path} is neither an .xlsx workbook nor CSV text")
    try:
        table = _read_csv_table(text, columns)
    except csv.Error as exc:
        raise error(f"{noun} {path} is neither an .xlsx workbook nor readable CSV: {exc}") from exc
    if path.suffix.lower() != ".csv":
        notes.append(f"{noun} {path.name} is CSV text, not an .xlsx workbook: read as CSV")
    return [table]


def _read_csv_table(text: str, columns: Columns) -> pd.DataFrame:
    """CSV text as a header-less table of strings, short rows padded with blanks (so a title
    line above the header or trailing cells left out do not matter). The delimiter is the
    first of ``, ; tab |`` under which a header row appears in the first rows, else ``,``.
    Raises csv.Error on text the csv module cannot split."""
    chosen: list[list[str]] | None = None
    for delimiter in _CSV_DELIMITERS:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        if chosen is None:
            chosen = rows  # the fallback: comma-separated
        if any(columns.names_header(r) for r in rows[:HEADER_SEARCH_ROWS]):
            chosen = rows
            break
    rows = chosen or []
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


def _column_map(
    header: list[Any], header_index: int, path: Path, columns: Columns, notes: list[str], error
) -> dict[str, int]:
    """Field -> column index from the header row; ``error`` when a required field is missing."""
    found: dict[str, int] = {}
    for j, value in enumerate(header):
        key = columns.aliases.get(norm_header(value))
        if key is None:
            continue
        if key in found:
            notes.append(
                f"{columns.noun} {path.name}: two columns for {columns.titles[key]!r}; "
                "using the first"
            )
            continue
        found[key] = j
    missing = [k for k in columns.required if k not in found]
    if missing:
        raise error(
            f"{columns.noun} {path}: missing column(s) "
            f"{', '.join(repr(columns.titles[k]) for k in missing)} in header row "
            f"{header_index + 1}"
        )
    for key, note in columns.missing_notes.items():
        if key not in found:
            notes.append(f"{columns.noun} {path.name}: {note}")
    return found


def read_sheet(
    path: Path,
    columns: Columns,
    notes: list[str] | None = None,
    *,
    error: type[DataFormatError] = DataFormatError,
) -> list[SheetRow]:
    """Parse a release's sheet into rows keyed by field name.

    The header row is found among the first rows of each table (the first row naming both a
    subject and a file-name column), so a title block above it does not matter. Columns are
    matched by header name, so blank or ``Unnamed: N`` columns and column order do not matter.
    Raises ``error`` when no table has the required columns, or the table has no data rows.
    """
    notes = notes if notes is not None else []
    tables = _read_raw_tables(path, columns, notes, error)
    problems: list[str] = []
    for table in tables:
        if table.empty:
            problems.append("a sheet is empty")
            continue
        header_index = next(
            (
                i
                for i in range(min(HEADER_SEARCH_ROWS, len(table)))
                if columns.names_header(table.iloc[i].tolist())
            ),
            None,
        )
        if header_index is None:
            problems.append(
                f"no header row naming 'Subject' and 'Filename' in the first "
                f"{HEADER_SEARCH_ROWS} rows"
            )
            continue
        found = _column_map(
            table.iloc[header_index].tolist(), header_index, path, columns, notes, error
        )
        rows: list[SheetRow] = []
        blank = 0
        for i in range(header_index + 1, len(table)):
            raw = table.iloc[i].tolist()
            values = {k: raw[j] if j < len(raw) else None for k, j in found.items()}
            if all(is_blank(v) for v in values.values()):
                blank += 1
                continue
            rows.append(SheetRow(row=i + 1, values=values))
        if blank:
            notes.append(f"{columns.noun} {path.name}: {blank} blank row(s) ignored")
        if not rows:
            raise error(f"{columns.noun} {path}: header found but no data rows")
        return rows
    raise error(f"{columns.noun} {path}: " + "; ".join(problems or ["no data"]))
