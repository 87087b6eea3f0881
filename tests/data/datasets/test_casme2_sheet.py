"""The CASME II coding sheet: found, read (.xlsx or CSV, header anywhere), or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.data.datasets.casme2 import COLUMNS, CASME2FormatError, load_casme2, subject_name
from microexp.data.datasets.sheets import read_sheet
from microexp.data.frames import natural_sorted
from tests.data.datasets.casme_fixture import SHEET, row, write_frames, write_sheet


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    header = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "Estimated Emotion"]
    write_sheet(root / SHEET, [[1, "EP02_01f", 2, 3, "others"]], header=header)
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    with pytest.raises(CASME2FormatError, match="missing column.*OffsetFrame"):
        load_casme2(root)


def test_empty_sheet_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / SHEET, [])
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    with pytest.raises(CASME2FormatError, match="no data rows"):
        load_casme2(root)


def test_csv_renamed_xlsx_is_read_with_note(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    root.mkdir()
    (root / SHEET).write_text(
        "Subject,Filename,,OnsetFrame,ApexFrame,OffsetFrame,,Action Units,Estimated Emotion\n"
        "1,EP02_01f,,2,3,5,,4,others\n"
    )
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    ds = load_casme2(root)
    assert len(ds.clips) == 1
    assert any("CSV" in n for n in ds.notes)


def test_header_not_on_first_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    root = tmp_path / "c2"
    root.mkdir()
    wb = Workbook()
    ws = wb.active
    ws.append(["CASME II coding, version 2"])
    ws.append([])
    ws.append(
        [
            "Subject",
            "Filename",
            "OnsetFrame",
            "ApexFrame",
            "OffsetFrame",
            "Action Units",
            "Estimated Emotion",
        ]
    )
    ws.append([1, "EP02_01f", 2, 3, 5, "4", "surprise"])
    wb.save(root / SHEET)
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    assert [c.emotion for c in load_casme2(root).clips] == ["surprise"]


def test_read_coding_sheet_row_numbers(tmp_path: Path) -> None:
    path = write_sheet(
        tmp_path / SHEET,
        [row(1, "EP02_01f", 2, 3, 5, "others"), [None] * 9, row(2, "EP02_02", 2, 3, 5, "others")],
    )
    notes: list[str] = []
    rows = read_sheet(path, COLUMNS, notes, error=CASME2FormatError)
    assert [r.row for r in rows] == [2, 4]
    assert any("1 blank row" in n for n in notes)


def test_helpers() -> None:
    assert subject_name(1) == "sub01" and subject_name(12.0) == "sub12"
    assert subject_name("sub7") == "sub07" and subject_name(" 3 ") == "sub03"
    assert subject_name("abc") is None and subject_name(1.5) is None
    assert natural_sorted(["img100", "img98", "img99"]) == ["img98", "img99", "img100"]
