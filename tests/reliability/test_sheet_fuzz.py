"""Malformed coding sheets, fuzzed: a clear CASME2FormatError naming the file, or a counted skip.

Hypothesis draws the header (column titles renamed, re-cased, dropped, duplicated, shuffled,
junk rows above it), the cells (numbers, text, blanks, booleans, dates, fractions, ``/``) and
the file itself (an .xlsx workbook, CSV text renamed .xlsx, a workbook cut short, random
bytes). Whatever it draws, :func:`load_casme2` either raises :class:`CASME2FormatError` whose
message names the sheet, or returns a dataset in which every data row of the sheet is a clip or
a skip with its reason. The hand-written cases (missing column, text in frame columns, empty
sheet, CSV renamed .xlsx, duplicate rows) are in ``tests/data/test_casme2.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from microexp.data.datasets.casme2 import COLUMNS, CASME2FormatError, load_casme2
from microexp.data.datasets.sheets import read_sheet
from tests.data.datasets.casme_fixture import HEADER, write_frames

SHEET = "CASME2-coding-20140508.xlsx"
FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
BIG = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FOLDERS = {("sub01", "EP01_01"): range(1, 7), ("sub02", "EP02_01"): range(10, 18)}
NO_ROW = "folder has no row in the coding sheet"

# ----------------------------------------------------------------------------- strategies

# printable text (openpyxl refuses control characters; so does Excel)
_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="\x7f"),
    max_size=12,
)
_known = st.sampled_from(
    [
        "1",
        "01",
        "sub01",
        "s2",
        "sub02",
        "EP01_01",
        "ep01_01 ",
        "EP02_01",
        "/",
        "-",
        "",
        "happiness",
        "Disgust ",
        "repression",
        "surprise",
        "others",
        "fear",
        "sadness",
        "sad",
        "abc",
        "12+4",
        "1e3",
        "3.5",
        "nan",
        "inf",
        "NULL",
        "#N/A",
        "=1+1",
    ]
)
cell = st.one_of(
    st.none(),
    st.integers(-5, 30),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([0.5, 2.0, 1e300, -0.0]),
    st.booleans(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)),
    _known,
    _text,
)
_TITLES = [t for t in HEADER if t]


def _variant(title: str) -> st.SearchStrategy[Any]:
    """A header cell standing for ``title``: as is, re-cased, re-spaced, or replaced."""
    return st.one_of(
        st.just(title),
        st.just(title.upper()),
        st.just(title.lower()),
        st.just(title.replace(" ", "_")),
        st.just(f" {title} "),
        st.just(title.replace("Frame", " frame")),
        st.sampled_from(["Subjects", "sub", "File", "Onset", "Apex", "Offset", "Emotion", "AUs"]),
        _text,
        st.none(),
    )


@st.composite
def header(draw: st.DrawFn) -> list[Any]:
    """The real header (blank columns included), mostly intact, sometimes badly mangled."""
    cells: list[Any] = list(HEADER)
    if draw(st.integers(0, 3)) == 0:  # rename, re-case or blank some titles
        cells = [draw(_variant(t)) if t and draw(st.booleans()) else t for t in cells]
    if draw(st.integers(0, 5)) == 0:  # drop some columns
        keep = draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
        cells = [c for c, k in zip(cells, keep) if k]
    if cells and draw(st.integers(0, 5)) == 0:  # a second column of the same name
        cells.append(cells[draw(st.integers(0, len(cells) - 1))])
    if draw(st.integers(0, 5)) == 0:  # an extra blank or "Unnamed" column somewhere
        cells.insert(draw(st.integers(0, len(cells))), draw(st.sampled_from([None, "Unnamed: 2"])))
    if draw(st.integers(0, 5)) == 0:  # columns in another order
        cells = list(draw(st.permutations(cells)))
    return cells


@st.composite
def data_row(draw: st.DrawFn, width: int) -> list[Any]:
    """Mostly a plausible row (some cells replaced by anything); sometimes pure noise."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.lists(cell, min_size=0, max_size=width + 2))
    (subject, episode), numbers = draw(st.sampled_from(sorted(FOLDERS.items())))
    if draw(st.integers(0, 3)) == 0:
        subject, episode = draw(st.sampled_from([("sub03", "EP01_01"), ("sub01", "EP09_09")]))
    onset = draw(st.integers(min(numbers) - 3, max(numbers) + 3))
    length = draw(st.integers(-2, 8))  # negative: offset before onset
    base: list[Any] = [
        draw(st.sampled_from([int(subject[3:]), subject, f" {subject[3:]} "])),
        draw(st.sampled_from([episode, episode.lower() + " "])),
        None,
        onset,
        draw(st.one_of(st.integers(onset - 1, onset + max(length, 0) + 1), st.just("/"))),
        onset + length,
        None,
        "4",
        draw(st.sampled_from(["happiness", "disgust", "others", "fear", "Surprise ", "sad"])),
    ]
    for i in range(len(base)):
        if draw(st.integers(0, 7)) == 0:
            base[i] = draw(cell)
    return base[:width] + [None] * max(0, width - len(base))


@st.composite
def sheet_table(draw: st.DrawFn) -> list[list[Any]]:
    """Rows of a coding sheet: junk rows, a header, data rows (some repeated)."""
    head = draw(header())
    width = max(len(head), len(HEADER))
    junk = draw(st.lists(st.lists(cell, max_size=4), max_size=3))
    rows = draw(
        st.lists(data_row(width), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=8)
    )
    if rows and draw(st.booleans()):  # duplicate rows
        rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))
    return [*junk, head, *rows]


# ----------------------------------------------------------------------------- writers


def _xlsx_bytes(table: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in table:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_text(table: Sequence[Sequence[Any]], sep: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    for r in table:
        writer.writerow(["" if v is None else str(v) for v in r])
    return buf.getvalue()


def _dataset(base: Path, sheet_bytes: bytes) -> Path:
    root = Path(tempfile.mkdtemp(dir=base)) / "c2"
    for (subject, episode), numbers in FOLDERS.items():
        write_frames(root / "Cropped" / subject / episode, numbers, size=(8, 8))
    (root / SHEET).write_bytes(sheet_bytes)
    return root


def _check(root: Path) -> None:
    """The contract: CASME2FormatError naming the sheet, or every row a clip or a skip."""
    sheet = root / SHEET
    try:
        ds = load_casme2(root)
    except CASME2FormatError as exc:
        assert SHEET in str(exc), str(exc)
        event(f"error:{str(exc).split(SHEET, 1)[1][:40]}")
        return
    rows = read_sheet(sheet, COLUMNS, error=CASME2FormatError)
    row_skips = [s for s in ds.skipped if s.reason != NO_ROW]
    assert len(ds.clips) + len(row_skips) == len(rows), (ds.clips, ds.skipped, rows)
    claimed = {(c.subject, c.episode) for c in ds.clips}
    for s in ds.skipped:
        assert s.reason, s
        if s.reason == NO_ROW:
            assert (s.subject, s.episode) in FOLDERS and (s.subject, s.episode) not in claimed
    for clip in ds.clips:
        assert clip.frame_numbers[0] <= clip.onset <= clip.apex <= clip.offset
        assert clip.offset <= clip.frame_numbers[-1]
        assert clip.label is not None and 0 <= clip.label < len(ds.classes)
    event(f"{min(len(ds.clips), 2)} clips, {min(len(row_skips), 3)} row skips")
    summary = ds.summary()
    assert summary["clips"] == len(ds.clips) and len(summary["skipped"]) == len(ds.skipped)


# ----------------------------------------------------------------------------- tests


def _fuzz_table(base: Path, table: list[list[Any]], form: str) -> None:
    if form == "xlsx":
        data = _xlsx_bytes(table)
    else:  # CSV text saved under the .xlsx name
        data = _csv_text(table, "," if form == "csv," else ";").encode()
    _check(_dataset(base, data))


@FAST
@given(table=sheet_table(), form=st.sampled_from(["xlsx", "csv,", "csv;"]))
@example(table=[list(HEADER)], form="xlsx")  # header only
@example(table=[], form="xlsx")  # an empty workbook
@example(table=[], form="csv,")  # an empty text file
@example(table=[[None] * 9, list(HEADER), [None] * 9], form="xlsx")  # only blank rows
def test_fuzzed_sheet_is_an_error_or_counted(
    tmp_path: Path, table: list[list[Any]], form: str
) -> None:
    _fuzz_table(tmp_path, table, form)


@pytest.mark.slow
@BIG
@given(table=sheet_table(), form=st.sampled_from(["xlsx", "csv,", "csv;"]))
def test_fuzzed_sheet_is_an_error_or_counted_long(
    tmp_path: Path, table: list[list[Any]], form: str
) -> None:
    _fuzz_table(tmp_path, table, form)


_GOOD = _xlsx_bytes([list(HEADER), [1, "EP01_01", None, 2, 3, 5, None, "4", "others"]])


@st.composite
def damaged_file(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["cut", "random", "splice", "zip magic"]))
    if how == "cut":
        return _GOOD[: draw(st.integers(0, len(_GOOD) - 1))]
    if how == "random":
        return draw(st.binary(max_size=2000))
    if how == "zip magic":
        return b"PK\x03\x04" + draw(st.binary(max_size=500))
    at = draw(st.integers(0, len(_GOOD) - 1))
    patch = draw(st.binary(min_size=1, max_size=200))
    return _GOOD[:at] + patch + _GOOD[at + len(patch) :]


@FAST
@given(data=damaged_file())
@example(data=b"")
@example(data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)  # an old binary .xls
@example(data=_GOOD[: len(_GOOD) // 2])  # a workbook cut short (interrupted copy)
@example(data="Subject;Filename\n1;EP01_01\n".encode("utf-16"))  # UTF-16 text
def test_damaged_sheet_file_is_an_error_or_counted(tmp_path: Path, data: bytes) -> None:
    _check(_dataset(tmp_path, data))


@pytest.mark.slow
@BIG
@given(data=damaged_file())
def test_damaged_sheet_file_is_an_error_or_counted_long(tmp_path: Path, data: bytes) -> None:
    _check(_dataset(tmp_path, data))


def test_every_kind_of_row_problem_is_named_and_counted(tmp_path: Path) -> None:
    """One row per problem: each skip names the sheet row; clips + skips = rows."""
    table = [
        list(HEADER),
        [1, "EP01_01", None, 2, 3, 5, None, "4", "others"],  # row 2: fine
        [1, "EP01_01", None, 2, 3, 5, None, "4", "others"],  # row 3: duplicate
        ["one", "EP01_02", None, 2, 3, 5, None, "4", "others"],  # row 4: subject text
        [2, None, None, 2, 3, 5, None, "4", "others"],  # row 5: no file name
        [2, "EP02_01", None, "ten", 12, 14, None, "4", "others"],  # row 6: text onset
        [2, "EP02_01", None, 11, 12, 2.5, None, "4", "others"],  # row 7: fractional offset
        [2, "EP02_02", None, 11, 12, 14, None, "4", "joy"],  # row 8: unknown emotion
        [dt.date(2014, 5, 8), "EP02_03", None, 1, 2, 3, None, "4", "others"],  # row 9: a date
        [True, "EP02_04", None, 1, 2, 3, None, "4", "others"],  # row 10: a boolean
    ]
    root = _dataset(tmp_path, _xlsx_bytes(table))
    ds = load_casme2(root)
    assert [c.id for c in ds.clips] == ["sub01/EP01_01"]
    reasons = sorted(s.reason for s in ds.skipped if s.reason != NO_ROW)
    assert len(reasons) == 8
    for n in range(3, 11):
        assert sum(f"{SHEET} row {n}:" in r for r in reasons) == 1, (n, reasons)
    assert any("duplicate of row 2" in r for r in reasons)
    assert any("unknown emotion 'joy'" in r for r in reasons)
    assert not [s for s in ds.skipped if s.reason == NO_ROW]  # rows 6-7 name EP02_01


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty (0 bytes)"),
        (_GOOD[: len(_GOOD) // 2], "not a readable .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old binary .xls"),
        (_xlsx_bytes([["Name", "Date"], ["x", 1]]), "no header row naming 'Subject'"),
        (_xlsx_bytes([["Subject", "Filename", "OnsetFrame"], [1, "EP01_01", 2]]), "header row 1"),
    ],
    ids=["empty file", "cut workbook", "old xls", "no header", "missing columns"],
)
def test_cli_exit_code_and_message(tmp_path: Path, data: bytes, message: str) -> None:
    root = _dataset(tmp_path, data)
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.datasets", "casme2", str(root)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: ") and SHEET in out.stderr and message in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_sheet_with_a_title_line_and_short_rows(tmp_path: Path, sep: str) -> None:
    """CSV text (renamed .xlsx) is read like a workbook: a title line above the header, rows
    that leave out trailing cells, any of the usual delimiters."""
    lines = [
        ["CASME II coding sheet, 2014"],
        [t or "" for t in HEADER],
        ["1", "EP01_01", "", "2", "3", "5", "", "4", "others"],
        ["2", "EP02_01", "", "11", "/", "14"],  # no action units, no emotion
    ]
    text = "\n".join(sep.join(cells) for cells in lines) + "\n"
    root = _dataset(tmp_path, text.encode())
    ds = load_casme2(root)
    assert [c.id for c in ds.clips] == ["sub01/EP01_01"]
    assert [s.reason for s in ds.skipped] == [f"{SHEET} row 4: unknown emotion ''"]
    assert any("CSV text" in n for n in ds.notes)
