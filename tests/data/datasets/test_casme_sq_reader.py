"""The CAS(ME)^2 reader on a hand-made release that plants every quirk, and on bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microexp.data.datasets.casme_sq import CasmeSqFormatError, load_casme_sq
from microexp.data.records import DataFormatError, Skip
from tests.data.datasets.long_fixture import (
    CASME_SQ_BOOK,
    cas_row,
    expression_at,
    spans,
    touch_frames,
    video_of,
    write_casme_sq_book,
)

BOOK = CASME_SQ_BOOK


@pytest.fixture
def casme_sq(tmp_path: Path) -> Path:
    root = tmp_path / "CASME_sq"
    rows = [
        cas_row(1, "disgust1_1", 10, 15, 20, "micro"),  # row 1: ordinary
        cas_row(1, "disgust1_2", 30, 40, 0),  # row 2: offset 0
        cas_row(1, "anger1_1", 5, 0, 25),  # row 3: apex 0
        cas_row(1, "anger1_2", 5, 0, 0),  # row 4: apex and offset 0
        cas_row(1, "anger1_3", 45, 48, 60),  # row 5: offset past the last frame (50)
        cas_row(1, "anger1_4", 70, 75, 80),  # row 6: wholly past the frames
        cas_row(1, "disgust1_1", 10, 15, 20, "micro"),  # row 7: repeats row 1
        cas_row(2, "happy1_1", 1, 2, 3, "micro"),  # row 8: s16 has no 0502 folder
        cas_row(9, "disgust1_1", 1, 2, 3),  # row 9: participant not in naming rule1
        cas_row(1, "fear1_1", 1, 2, 3),  # row 10: stimulus not in naming rule2
        [1, "disgust1_3", 50, 52, 54, "4", "others", "unknown", ""],  # row 11: bad type
        cas_row(1, "disgust1_4", 60, 55, 50),  # row 12: offset before onset
        cas_row(1, "disgust1_5", 60, 80, 70),  # row 13: apex after the offset
        [None] * 9,  # row 14: blank
        cas_row(1, "disgust1_6", "abc", 2, 3),  # row 15: text onset
        cas_row(1, "Disgust1_7 ", 90, 92, 94, "micro"),  # row 16: case and spaces
    ]
    write_casme_sq_book(root / BOOK, rows)
    raw = root / "rawpic"
    touch_frames(
        raw / "s15" / "15_0101disgustingteeth", [f"img{n:03d}.jpg" for n in range(1, 121)]
    )
    touch_frames(raw / "s15" / "15_0401girlcrashing", [f"img{n}.jpg" for n in range(1, 51)])
    (raw / "s15" / "15_0401girlcrashing" / "Thumbs.db").write_bytes(b"junk")
    touch_frames(raw / "s16" / "16_0101disgustingteeth", [f"img{n:03d}.jpg" for n in range(1, 31)])
    (raw / "s16" / "16_0102eatingworms").mkdir()  # a video folder without frames
    (raw / "readme.txt").write_text("not a subject")
    return root


def test_ordinary_and_adjusted_expressions(casme_sq: Path) -> None:
    ds = load_casme_sq(casme_sq)
    assert (ds.dataset, ds.fps, ds.frames_tree.name, ds.sheet.name) == (
        "casme_sq",
        30.0,
        "rawpic",
        BOOK,
    )
    assert [v.id for v in ds.videos] == ["s15/15_0101", "s15/15_0401", "s16/16_0101"]
    disgust = video_of(ds, "15_0101")
    assert (disgust.dataset, disgust.subject, disgust.fps) == ("casme_sq", "s15", 30.0)
    assert disgust.frame_numbers == list(range(1, 121)) and disgust.frames[0].name == "img001.jpg"
    assert spans(disgust) == [
        (10, 15, 20, "micro"),
        (30, 40, 40, "macro"),
        (60, 70, 70, "macro"),
        (90, 92, 94, "micro"),
    ]
    assert expression_at(disgust, 30).notes == [
        "offset 0 (unknown): the interval ends at the apex 40"
    ]
    assert expression_at(disgust, 60).notes == ["apex 80 outside [60, 70]: clamped to 70"]
    first = expression_at(disgust, 10)
    assert (first.emotion, first.action_units, first.notes) == ("negative", "4+9", [])
    anger = video_of(ds, "15_0401")
    assert [f.name for f in anger.frames[8:11]] == ["img9.jpg", "img10.jpg", "img11.jpg"]
    assert spans(anger) == [(5, 15, 25, "macro"), (45, 48, 50, "macro")]
    assert expression_at(anger, 5).notes == ["no apex: the midpoint 15 is used"]
    assert expression_at(anger, 45).notes == ["interval 45-60 clamped to the frames 1-50"]
    assert anger.notes == ["ignored non-frame file(s): Thumbs.db"]
    assert video_of(ds, "16_0101").expressions == []
    assert ds.per_kind() == {"micro": 2, "macro": 4}


def test_every_quirk_is_skipped_or_noted(casme_sq: Path) -> None:
    ds = load_casme_sq(casme_sq)
    assert ds.skipped == [
        Skip("s15", "15_0401", f"{BOOK} row 4: offset and apex both 0: no interval"),
        Skip("s15", "15_0101", f"{BOOK} row 7: duplicate of row 1"),
        Skip("s16", "16_0502", f"{BOOK} row 8: no frame folder for video 16_0502"),
        Skip(
            "participant 9", "disgust1_1", f"{BOOK} row 9: participant 9 is not in 'naming rule1'"
        ),
        Skip(
            "s15",
            "fear1_1",
            f"{BOOK} row 10: stimulus of video name 'fear1_1' is not in 'naming rule2'",
        ),
        Skip("s15", "15_0101", f"{BOOK} row 11: type 'unknown' is neither micro nor macro"),
        Skip("s15", "15_0101", f"{BOOK} row 12: offset 50 is before onset 60"),
        Skip("s15", "15_0101", f"{BOOK} row 15: onset 'abc' is not a frame"),
        Skip(
            "s15", "15_0401", f"{BOOK} row 6: interval 70-80 lies outside the video's frames 1-50"
        ),
        Skip("s16", "16_0102", "no frames in 16_0102eatingworms/"),
    ]
    assert ds.notes == [
        f"{BOOK}: 1 blank row(s) ignored",
        "ignored 1 entr(ies) of the frame tree: readme.txt",
        "s15/15_0401: ignored non-frame file(s): Thumbs.db",
        "1 expression(s) with offset 0 (unknown): the interval ends at the apex "
        "(s15/15_0101 row 2)",
        "1 expression(s) with the apex outside the interval: clamped into it (s15/15_0101 row 13)",
        "1 expression(s) without an apex: the onset-offset midpoint is used (s15/15_0401 row 3)",
        "1 expression(s) reach past the video's frames: clamped to them (s15/15_0401 row 5)",
        "1 video(s) without annotated expressions, kept (their predictions still count): "
        "s16/16_0101",
    ]


def test_summary_counts_videos_frames_and_kinds(casme_sq: Path) -> None:
    s = load_casme_sq(casme_sq).summary()
    assert (s["videos"], s["frames"], s["subjects"], s["expressions"]) == (
        3,
        200,
        2,
        {"micro": 2, "macro": 4},
    )
    assert len(s["skipped"]) == 10 and s["sheet"] == BOOK


def test_header_row_number_codes_and_code_final_name(tmp_path: Path) -> None:
    root = tmp_path / "c"
    rows = [
        ["subject", "video", "onset", "apex", "offset", "AU", "emotion", "type", "self"],
        cas_row(1, "anger1_1", 2, 3, 4, "micro"),
    ]
    write_casme_sq_book(root / "code_final.xlsx", rows, rule2=[[401, "anger1"]])
    touch_frames(root / "rawpic" / "s15" / "15_0401x", [f"img{n:03d}.jpg" for n in range(1, 9)])
    ds = load_casme_sq(root)
    assert spans(video_of(ds, "15_0401")) == [(2, 3, 4, "micro")]
    assert ds.notes == [
        "code_final.xlsx: row 1 is a header row, not an expression: ignored",
        "code_final.xlsx 'naming rule2': 1 video code(s) stored as numbers: zero-padded to 4 "
        "digits",
    ]


def test_tree_and_sheet_can_be_named(casme_sq: Path, tmp_path: Path) -> None:
    (casme_sq / "rawpic").rename(casme_sq / "frames")
    moved = (casme_sq / BOOK).rename(tmp_path / "book.xlsx")
    ds = load_casme_sq(casme_sq, tree="frames", sheet=moved)
    assert len(ds.videos) == 3 and ds.sheet == moved


def _bad(root: Path, match: str, **options: str) -> None:
    with pytest.raises(CasmeSqFormatError, match=match) as err:
        load_casme_sq(root, **options)
    assert isinstance(err.value, DataFormatError)


def test_bad_input_names_the_file(tmp_path: Path) -> None:
    _bad(tmp_path / "nowhere", "is not a folder")
    root = tmp_path / "c"
    root.mkdir()
    _bad(root, "no CAS\\(ME\\)\\^2 workbook under")
    (root / BOOK).write_text("subject,video\n1,anger1_1\n")
    _bad(root, f"workbook .*{re.escape(BOOK)} is not an .xlsx workbook")
    write_casme_sq_book(root / BOOK, [cas_row(1, "anger1_1", 2, 3, 4)], rule1=None)
    _bad(root, "has no 'naming rule1' sheet")
    write_casme_sq_book(root / BOOK, [cas_row(1, "anger1_1", 2, 3, 4)], rule2=[["x", "y"]])
    _bad(root, "'naming rule2' maps no stimulus name")
    write_casme_sq_book(root / BOOK, [[1, "anger1_1", 2, 3]])
    _bad(root, "the first sheet has 4 column\\(s\\)")
    write_casme_sq_book(root / BOOK, [cas_row(1, "anger1_1", 2, 3, 4)])
    _bad(root, "no frame tree under")
    _bad(root, "frame tree .*elsewhere does not exist", tree="elsewhere")
    _bad(root, "workbook .*missing.xlsx does not exist", sheet="missing.xlsx")
