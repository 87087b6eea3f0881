"""The SAMM long-videos workbook (``SAMM_LongVideos_V*_Release.xlsx``): a title block, then a
header row (``Subject, Filename, Inducement Code, Onset, Apex, Offset, Duration, Type, Action
Units, Notes``) and one row per expression. The header row is found, columns are matched by
name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from microexp.data.datasets.long_videos import find_file, read_workbook
from microexp.data.datasets.sheets import cell_text
from microexp.data.records import DataFormatError

# Normalised header (lower case, letters and digits only) -> field.
_HEADERS: dict[str, str] = {
    "filename": "filename",
    "onset": "onset",
    "onsetframe": "onset",
    "apex": "apex",
    "apexframe": "apex",
    "offset": "offset",
    "offsetframe": "offset",
    "type": "type",
    "actionunits": "action_units",
    "aus": "action_units",
}
_REQUIRED = ("filename", "onset", "offset", "type")
_TITLES = {"filename": "Filename", "onset": "Onset", "offset": "Offset", "type": "Type"}
#: Rows searched for the header row.
HEADER_SEARCH = 30


class SammLvFormatError(DataFormatError):
    """SAMM long videos cannot be read at all; the message names the file (and row)."""


@dataclass(frozen=True)
class SheetRow:
    """One expression row: its spreadsheet row number and its cells by field."""

    row: int
    values: dict[str, Any]


def find_workbook(root: Path, notes: list[str]) -> Path:
    """The newest ``SAMM_LongVideos_V*_Release.xlsx`` under ``root`` (or one folder down)."""
    found = find_file(root, (), ("SAMM_LongVideos_V*_Release.xlsx", "*LongVideos*.xlsx"))
    if found is None:
        raise SammLvFormatError(
            f"no SAMM long-videos workbook under {root}: expected SAMM_LongVideos_V*_Release.xlsx"
        )
    others = sorted(p.name for p in found.parent.glob("*LongVideos*.xlsx") if p != found)
    if others:
        notes.append(f"using {found.name} (also present: {', '.join(others)})")
    return found


def _norm(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", cell_text(value).lower())


def _header(table: pd.DataFrame) -> tuple[int, dict[str, int]] | None:
    """The header row's index and field -> column, or None when no row names both
    ``Filename`` and ``Onset``."""
    for i in range(min(HEADER_SEARCH, len(table))):
        columns: dict[str, int] = {}
        for j, value in enumerate(table.iloc[i].tolist()):
            key = _HEADERS.get(_norm(value))
            if key is not None:
                columns.setdefault(key, j)
        if {"filename", "onset"} <= set(columns):
            return i, columns
    return None


def read_samm_lv_workbook(path: Path, notes: list[str]) -> list[SheetRow]:
    """The expression rows of the first sheet that has a header row; blank rows left out
    (noted). :class:`SammLvFormatError` when no sheet has one, a required column is missing,
    or no row follows it."""
    for name, table in read_workbook(path, SammLvFormatError).items():
        found = _header(table)
        if found is None:
            continue
        at, columns = found
        missing = [_TITLES[k] for k in _REQUIRED if k not in columns]
        if missing:
            raise SammLvFormatError(
                f"workbook {path} sheet {name!r}: no {', '.join(missing)} column in the header "
                f"row {at + 1}"
            )
        if "apex" not in columns:
            notes.append(f"{path.name}: no Apex column: every apex is the interval midpoint")
        rows: list[SheetRow] = []
        for i in range(at + 1, len(table)):
            cells = table.iloc[i].tolist()
            values = {k: cells[j] for k, j in columns.items()}
            if any(cell_text(v) for v in values.values()):
                rows.append(SheetRow(i + 1, values))
        blank = len(table) - at - 1 - len(rows)
        if blank:
            notes.append(f"{path.name}: {blank} blank row(s) ignored")
        if not rows:
            raise SammLvFormatError(f"workbook {path}: header row {at + 1} but no rows below it")
        return rows
    raise SammLvFormatError(
        f"workbook {path}: no header row naming Filename and Onset in the first "
        f"{HEADER_SEARCH} rows of any sheet"
    )
