"""The SAMM long-videos reader on a hand-made release that plants every quirk, and on bad
input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microexp.data.datasets.samm_lv import SammLvFormatError, load_samm_lv
from microexp.data.records import DataFormatError, Skip
from tests.data.datasets.long_fixture import (
    SAMM_LV_BOOK,
    SAMM_LV_HEADER,
    expression_at,
    samm_row,
    spans,
    touch_frames,
    video_of,
    write_samm_lv_book,
)

BOOK = SAMM_LV_BOOK


@pytest.fixture
def samm_lv(tmp_path: Path) -> Path:
    root = tmp_path / "SAMMLV"
    rows = [
        samm_row("006_1_1", 100, 120, 140, "Micro - 1/2"),  # row 11: ordinary
        samm_row("006_1_2", 0, 30, 400, notes="before"),  # row 12: onset 0
        samm_row("006_1_3", 500, None, 700),  # row 13: apex missing
        samm_row("006_1_4", 710, "-", 730),  # row 14: apex not a number
        samm_row("006_2_1", 1, 2, 3),  # row 15: no frame folder
        samm_row("006_1_5", 1, 2, 3, "Other"),  # row 16: unknown type
        samm_row("006_1_1", 100, 120, 140, "Micro - 1/2"),  # row 17: repeats row 11
        samm_row("006_1_6", 780, 790, 900),  # row 18: past the last frame (800)
        ["6", "abc", 1, 1, 2, 3, 3, "Macro", "4", None],  # row 19: Filename not a video
        samm_row("006_1_7", 300, 310, 200),  # row 20: offset before onset
        [None] * 10,  # row 21: blank
        samm_row("7_3_1", 9995, 10000, 10005, "MICRO - 1/2"),  # row 22: frames past 9999
    ]
    write_samm_lv_book(root / BOOK, rows)
    frames = root / "SAMM_longvideos"
    touch_frames(frames / "006_1", [f"006_1_{n:04d}.jpg" for n in range(1, 801)])
    touch_frames(frames / "007_3", [f"007_3_{n:04d}.jpg" for n in range(9990, 10011)])
    touch_frames(frames / "008_1", [f"008_1_{n:04d}.jpg" for n in range(1, 11)])
    (frames / "008_1" / "Thumbs.db").write_bytes(b"junk")
    (frames / "notes.txt").write_text("junk")
    return root


def test_ordinary_and_adjusted_expressions(samm_lv: Path) -> None:
    ds = load_samm_lv(samm_lv)
    assert (ds.dataset, ds.fps, ds.frames_tree.name) == ("samm_lv", 200.0, "SAMM_longvideos")
    assert [v.id for v in ds.videos] == ["006/006_1", "007/007_3", "008/008_1"]
    first = video_of(ds, "006_1")
    assert (first.dataset, first.subject, first.fps, len(first)) == ("samm_lv", "006", 200.0, 800)
    assert first.frames[0].name == "006_1_0001.jpg"
    assert spans(first) == [
        (1, 30, 400, "macro"),
        (100, 120, 140, "micro"),
        (500, 600, 700, "macro"),
        (710, 720, 730, "macro"),
        (780, 790, 800, "macro"),
    ]
    assert expression_at(first, 1).notes == [
        "onset 0 (before the video): the interval starts at the first frame"
    ]
    assert expression_at(first, 500).notes == ["no apex: the midpoint 600 is used"]
    assert expression_at(first, 780).notes == ["interval 780-900 clamped to the frames 1-800"]
    micro = expression_at(first, 100)
    assert (micro.emotion, micro.action_units, micro.notes) == ("", "R12", [])
    late = video_of(ds, "007_3")
    names = [f.name for f in late.frames[8:12]]
    assert names == ["007_3_9998.jpg", "007_3_9999.jpg", "007_3_10000.jpg", "007_3_10001.jpg"]
    assert late.frame_numbers == list(range(9990, 10011))
    assert spans(late) == [(9995, 10000, 10005, "micro")]
    assert video_of(ds, "008_1").expressions == []
    assert ds.per_kind() == {"micro": 2, "macro": 4}


def test_every_quirk_is_skipped_or_noted(samm_lv: Path) -> None:
    ds = load_samm_lv(samm_lv)
    assert ds.skipped == [
        Skip("006", "006_2", f"{BOOK} row 15: no frame folder for video 006_2"),
        Skip("006", "006_1", f"{BOOK} row 16: Type 'Other' is neither Micro nor Macro"),
        Skip("006", "006_1", f"{BOOK} row 17: duplicate of row 11"),
        Skip("", "abc", f"{BOOK} row 19: Filename 'abc' is not SUBJECT_VIDEO_N"),
        Skip("006", "006_1", f"{BOOK} row 20: Offset 200 is before Onset 300"),
    ]
    assert ds.notes == [
        f"{BOOK}: 1 blank row(s) ignored",
        "ignored 1 entr(ies) of the frame tree: notes.txt",
        "008/008_1: ignored non-frame file(s): Thumbs.db",
        "1 expression(s) with onset 0 (before the video): the interval starts at the video's "
        "first frame (006/006_1 row 12)",
        "2 expression(s) without an apex: the onset-offset midpoint is used (006/006_1 row 13, "
        "006/006_1 row 14)",
        "1 expression(s) reach past the video's frames: clamped to them (006/006_1 row 18)",
        "1 video(s) without annotated expressions, kept (their predictions still count): "
        "008/008_1",
    ]


def test_header_row_is_found_and_newest_version_used(tmp_path: Path) -> None:
    root = tmp_path / "s"
    write_samm_lv_book(root / "SAMM_LongVideos_V1_Release.xlsx", [samm_row("006_1_1", 1, 2, 3)])
    header = ["Subject", "Filename", "Onset Frame", "Offset Frame", "Type"]
    rows = [["006", "006_1_1", 2, 5, "Macro"]]
    write_samm_lv_book(root / "SAMM_LongVideos_V2_Release.xlsx", rows, title_rows=4, header=header)
    wrapped = root / "SAMM_longvideos" / "SAMM_longvideos"  # as unzipped: one level more
    touch_frames(wrapped / "006_1", ["006_1_0001.jpg", "006_1_0009.jpg"])
    ds = load_samm_lv(root)
    assert ds.sheet.name == "SAMM_LongVideos_V2_Release.xlsx"
    assert spans(video_of(ds, "006_1")) == [(2, 3, 5, "macro")]
    assert ds.notes[:3] == [
        "using SAMM_LongVideos_V2_Release.xlsx (also present: SAMM_LongVideos_V1_Release.xlsx)",
        "SAMM_LongVideos_V2_Release.xlsx: no Apex column: every apex is the interval midpoint",
        f"video folders found one level down, in {wrapped}",
    ]
    assert "006/006_1: frame numbers jump before 9" in ds.notes


def _bad(root: Path, match: str, **options: str) -> None:
    with pytest.raises(SammLvFormatError, match=match) as err:
        load_samm_lv(root, **options)
    assert isinstance(err.value, DataFormatError)


def test_bad_input_names_the_file(tmp_path: Path) -> None:
    _bad(tmp_path / "nowhere", "is not a folder")
    root = tmp_path / "s"
    root.mkdir()
    _bad(root, "no SAMM long-videos workbook under")
    book = root / BOOK
    book.write_bytes(b"\xd0\xcf\x11\xe0 old xls")
    _bad(root, f"workbook .*{re.escape(BOOK)} is an old binary .xls")
    write_samm_lv_book(book, [samm_row("006_1_1", 1, 2, 3)], header=["Subject", "Name"])
    _bad(root, f"workbook .*{re.escape(BOOK)}: no header row naming Filename and Onset")
    no_type = [h for h in SAMM_LV_HEADER if h != "Type"]
    write_samm_lv_book(book, [samm_row("006_1_1", 1, 2, 3)], header=no_type)
    _bad(root, "sheet 'Sheet': no Type column in the header row 10")
    write_samm_lv_book(book, [])
    _bad(root, "header row 10 but no rows below it")
    write_samm_lv_book(book, [samm_row("006_1_1", 1, 2, 3)])
    _bad(root, "no frame tree under")
