"""The CAS(ME)^2 workbook: the expression sheet (first sheet, no header row) and the two naming
sheets that map participant numbers to subject folders (``naming rule1``) and stimulus names to
4-digit video codes (``naming rule2``, codes kept as text: ``0101``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from microexp.data.datasets.long_videos import find_file, read_workbook
from microexp.data.datasets.sheets import as_frame_number, cell_text
from microexp.data.records import DataFormatError

#: Workbook names, as released first (SoftNet-style setups rename it ``code_final.xlsx``).
WORKBOOK_NAMES: tuple[str, ...] = ("CAS(ME)^2code_final.xlsx", "code_final.xlsx")
#: Columns of the expression sheet, in order (it has no header row).
COLUMNS: tuple[str, ...] = (
    "participant",
    "video name",
    "onset",
    "apex",
    "offset",
    "action units",
    "emotion",
    "type",
    "self-report",
)
_FOLDER = re.compile(r"^s\d+$", re.IGNORECASE)
_CODE = re.compile(r"^\d{4}$")


class CasmeSqFormatError(DataFormatError):
    """CAS(ME)^2 cannot be read at all; the message names the file (and row, if any)."""


@dataclass(frozen=True)
class ExpressionRow:
    """One row of the expression sheet: its spreadsheet row number and its nine cells."""

    row: int
    cells: tuple[Any, ...]


@dataclass
class Workbook:
    """The parsed workbook: expression rows, participant -> subject folder (``s15``), stimulus
    name (lower case) -> video code (``0101``)."""

    path: Path
    rows: list[ExpressionRow]
    folders: dict[int, str]
    codes: dict[str, str]


def find_workbook(root: Path) -> Path:
    """The workbook under ``root`` (or one folder down): a known name, else ``*code_final*``."""
    found = find_file(root, WORKBOOK_NAMES, ("*code_final*.xlsx",))
    if found is None:
        raise CasmeSqFormatError(
            f"no CAS(ME)^2 workbook under {root}: expected {' or '.join(WORKBOOK_NAMES)}"
        )
    return found


def read_casme_sq_workbook(path: Path, notes: list[str]) -> Workbook:
    """Parse the three sheets; :class:`CasmeSqFormatError` naming the file when one is missing
    or unusable."""
    sheets = read_workbook(path, CasmeSqFormatError)
    tables = list(sheets.values())
    names = {re.sub(r"\s", "", str(n).lower()): t for n, t in sheets.items()}
    if not any(n.startswith("namingrule") for n in names):  # renamed: take them by position
        names.update(zip(("namingrule1", "namingrule2"), tables[1:3]))
    rule1, rule2 = names.get("namingrule1"), names.get("namingrule2")
    for table, title in ((rule1, "naming rule1"), (rule2, "naming rule2")):
        if table is None:
            raise CasmeSqFormatError(f"workbook {path} has no {title!r} sheet")
    return Workbook(
        path=path,
        rows=_expression_rows(tables[0], path, notes),
        folders=_folders(rule1, path, notes),
        codes=_codes(rule2, path, notes),
    )


def _blank(value: Any) -> bool:
    return not cell_text(value)


def _expression_rows(table: pd.DataFrame, path: Path, notes: list[str]) -> list[ExpressionRow]:
    """The expression sheet's rows (blank rows and a header row, if any, left out and noted)."""
    if table.shape[1] < 8:
        raise CasmeSqFormatError(
            f"workbook {path}: the first sheet has {table.shape[1]} column(s), not the nine "
            f"columns {', '.join(COLUMNS)}"
        )
    rows: list[ExpressionRow] = []
    blank = 0
    for i in range(len(table)):
        cells = tuple(table.iloc[i].tolist()[: len(COLUMNS)])
        if all(_blank(c) for c in cells):
            blank += 1
        elif not rows and as_frame_number(cells[0]) is None and as_frame_number(cells[2]) is None:
            notes.append(f"{path.name}: row {i + 1} is a header row, not an expression: ignored")
        else:
            rows.append(ExpressionRow(i + 1, cells + (None,) * (len(COLUMNS) - len(cells))))
    if blank:
        notes.append(f"{path.name}: {blank} blank row(s) ignored")
    if not rows:
        raise CasmeSqFormatError(f"workbook {path}: the first sheet lists no expressions")
    return rows


def _folders(table: pd.DataFrame, path: Path, notes: list[str]) -> dict[int, str]:
    """``naming rule1``: each row names a subject folder (``s15``) and, after it, the
    participant number used in the expression sheet."""
    folders: dict[int, str] = {}
    for i in range(len(table)):
        cells = table.iloc[i].tolist()
        at = next((j for j, c in enumerate(cells) if _FOLDER.match(cell_text(c))), None)
        if at is None:
            continue
        numbers = [as_frame_number(c) for c in cells[at + 1 :] + cells[:at]]
        number = next((n for n in numbers if n is not None), None)
        if number is None:
            continue
        folder = cell_text(cells[at]).lower()
        if folders.setdefault(number, folder) != folder:
            notes.append(
                f"{path.name} 'naming rule1' row {i + 1}: participant {number} is also "
                f"{folders[number]}: {folder} ignored"
            )
    if not folders:
        raise CasmeSqFormatError(
            f"workbook {path}: 'naming rule1' maps no participant number to a subject folder (sNN)"
        )
    return folders


def _codes(table: pd.DataFrame, path: Path, notes: list[str]) -> dict[str, str]:
    """``naming rule2``: each row holds a 4-digit video code (text; a number lost its leading
    zero and is padded back) and, after it, the stimulus name."""
    codes: dict[str, str] = {}
    padded = 0
    for i in range(len(table)):
        cells = table.iloc[i].tolist()
        # a code stored as text first; a number only where the row has no such text
        at = [j for j, c in enumerate(cells) if isinstance(c, str) and _code(c)]
        at = at or [j for j, c in enumerate(cells) if _code(c)]
        if not at:
            continue
        names = [cell_text(c) for c in cells[at[0] + 1 :] if not _code(c) and not _blank(c)]
        if names:
            codes.setdefault(names[0].lower(), _code(cells[at[0]]) or "")
            padded += not isinstance(cells[at[0]], str)
    if not codes:
        raise CasmeSqFormatError(
            f"workbook {path}: 'naming rule2' maps no stimulus name to a 4-digit video code"
        )
    if padded:
        notes.append(
            f"{path.name} 'naming rule2': {padded} video code(s) stored as numbers: "
            "zero-padded to 4 digits"
        )
    return codes


def _code(cell: Any) -> str | None:
    """A 4-digit video code: text ``0101``, or the number 101 (its zero lost)."""
    if isinstance(cell, str):
        return cell.strip() if _CODE.match(cell.strip()) else None
    number = as_frame_number(cell)
    return f"{number:04d}" if number is not None and 0 < number < 10_000 else None
