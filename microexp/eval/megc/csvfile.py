"""Reading the scorer's CSV files row by row: header check, cell parsing, and errors that name the
file and line."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from microexp.eval.megc.records import KINDS, MegcInputError

_INTEGER = re.compile(r"[+-]?\d+")


@dataclass
class Row:
    """One data row: its line number and its cells by column name (stripped; ``""`` if absent)."""

    path: Path
    line: int
    cells: dict[str, str]

    def error(self, message: str) -> MegcInputError:
        return MegcInputError(f"{self.path}, line {self.line}: {message}")

    def text(self, column: str) -> str:
        """The cell's text; an error when it is empty."""
        value = self.cells.get(column, "")
        if not value:
            raise self.error(f"missing value for {column!r}")
        return value

    def integer(self, column: str) -> int:
        """The cell as an integer frame number."""
        value = self.text(column)
        if not _INTEGER.fullmatch(value):
            raise self.error(f"{column} {value!r} is not an integer frame number")
        return int(value)

    def optional_integer(self, column: str) -> int | None:
        return self.integer(column) if self.cells.get(column) else None

    def number(self, column: str) -> float:
        """The cell as a finite float."""
        value = self.text(column)
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise self.error(f"{column} {value!r} is not a finite number")
        return number

    def kind(self, column: str = "type") -> str:
        """The cell as an expression type (``micro`` or ``macro``, any case)."""
        value = self.text(column)
        if value.lower() not in KINDS:
            raise self.error(f"unknown {column} {value!r} (expected one of: {', '.join(KINDS)})")
        return value.lower()

    def is_empty(self, *columns: str) -> bool:
        return not any(self.cells.get(c) for c in columns)


def read_rows(
    path: str | Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[Row]:
    """The data rows of a CSV file whose header names every ``required`` column.

    Column names are matched without regard to case or surrounding spaces and may come in any
    order; other columns are ignored. Blank rows (every cell empty) are skipped. Raises
    :class:`MegcInputError` for an unreadable file, a missing column or a row with more cells
    than the header.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = _header(path, reader, required)
            wanted = {name: header.index(name) for name in required + optional if name in header}
            for cells in reader:
                values = [c.strip() for c in cells]
                if not any(values):
                    continue
                values += [""] * (len(header) - len(values))
                row = Row(path, reader.line_num, {name: values[i] for name, i in wanted.items()})
                if any(values[len(header) :]):
                    raise row.error(f"{len(values)} cells but the header names {len(header)}")
                yield row
    except UnicodeDecodeError as exc:
        raise MegcInputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise MegcInputError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise MegcInputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _header(path: Path, reader: Iterator[list[str]], required: tuple[str, ...]) -> list[str]:
    for cells in reader:
        header = [c.strip().lower() for c in cells]
        if not any(header):
            continue
        duplicated = sorted({name for name in header if name and header.count(name) > 1})
        if duplicated:
            raise MegcInputError(f"{path}: column(s) named twice in the header: {duplicated}")
        missing = [name for name in required if name not in header]
        if missing:
            raise MegcInputError(
                f"{path}: missing column(s) {', '.join(missing)} (header: {','.join(header)}; "
                f"expected {','.join(required)})"
            )
        return header
    raise MegcInputError(f"{path}: empty file (expected the header {','.join(required)})")
