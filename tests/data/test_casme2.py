"""The CASME II reader on small fixtures that plant each quirk of DESIGN §2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from microexp.data.casme2 import (
    CASME2FormatError,
    load_casme2,
    read_coding_sheet,
    subject_name,
)
from microexp.data.frames import natural_sorted
from tests.data.casme_fixture import row, write_frames, write_sheet

SHEET = "CASME2-coding-20140508.xlsx"


def _skip_for(ds, episode):
    return [s for s in ds.skipped if s.episode == episode]


def _clip(ds, episode):
    found = [c for c in ds.clips if c.episode == episode]
    assert len(found) == 1, f"{episode} not loaded; skipped: {ds.skipped}"
    return found[0]


@pytest.fixture
def quirky(tmp_path: Path) -> Path:
    """A dataset with one clip per quirk (and two ordinary ones)."""
    root = tmp_path / "CASME2"
    crop = root / "Cropped"
    rows = [
        row(1, "EP02_01f", 46, 59, 60, "happiness", "12"),  # ordinary
        row(1, "EP03_02", 98, 100, 102, "disgust", "4+9"),  # lexical-sort trap 98..102
        row(2, "EP01_01", 10, "/", 20, "repression", 17),  # apex '/'
        row(2, "EP05_05", 1, 3, 5, "surprise", "1+2"),  # no folder
        row(3, "EP07_01", 30, 35, 25, "others", "7"),  # offset < onset
        row(3, "EP08_02", 500, 510, 520, "others", "7"),  # interval outside the frames
        row(3, "EP08_03", 5, 12, 40, "happiness", "6+12"),  # partly outside: clamped
        row(4, "EP09_01", 1, 3, 6, "fear", "4+20"),  # not in the 5-class protocol
        row(4, "EP09_02", 1, 3, 6, "sadness", "15"),  # not in the 5-class protocol
        row(4, "EP10_01", 1, 4, 8, "Happiness ", "12"),  # case and spaces in the emotion
        row(5, "EP11_01", 1, 4, 8, "surprise", "1"),  # has a truncated JPEG
        row(5, "EP11_02", 1, 4, 8, "disgust", "9"),  # junk file in the folder
        row(5, "ep12_01 ", 1, 4, 8, "others", "14"),  # folder named EP12_01
        row(6, "EP13_01", "abc", 4, 8, "others", "14"),  # text in a frame column
    ]
    write_sheet(root / SHEET, rows)
    write_frames(crop / "sub01" / "EP02_01f", range(46, 61))
    write_frames(crop / "sub01" / "EP03_02", range(98, 103))
    write_frames(crop / "sub02" / "EP01_01", range(10, 21))
    write_frames(crop / "sub03" / "EP07_01", range(20, 40))
    write_frames(crop / "sub03" / "EP08_02", range(1, 30))
    write_frames(crop / "sub03" / "EP08_03", range(10, 31))
    write_frames(crop / "sub03" / "EP99_99", range(1, 10))  # folder with no row
    write_frames(crop / "sub04" / "EP09_01", range(1, 8))
    write_frames(crop / "sub04" / "EP09_02", range(1, 8))
    write_frames(crop / "sub04" / "EP10_01", range(1, 9))
    paths = write_frames(crop / "sub05" / "EP11_01", range(1, 9))
    data = paths[3].read_bytes()
    paths[3].write_bytes(data[: len(data) // 2])  # truncated JPEG: img4
    write_frames(crop / "sub05" / "EP11_02", range(1, 9))
    (crop / "sub05" / "EP11_02" / "Desktop - Shortcut.lnk").write_bytes(b"junk")
    (crop / "sub05" / "Thumbs.db").write_bytes(b"junk")
    write_frames(crop / "sub05" / "EP12_01", range(1, 9))
    write_frames(crop / "sub06" / "EP13_01", range(1, 9))
    return root


def test_quirks_loaded_or_skipped_with_reasons(quirky: Path) -> None:
    ds = load_casme2(quirky)
    loaded = {c.episode for c in ds.clips}
    assert loaded == {
        "EP02_01f",
        "EP03_02",
        "EP01_01",
        "EP08_03",
        "EP10_01",
        "EP11_01",
        "EP11_02",
        "EP12_01",
    }
    reasons = {(s.subject, s.episode): s.reason for s in ds.skipped}
    assert "no frame folder" in reasons[("sub02", "EP05_05")]
    assert "before onset" in reasons[("sub03", "EP07_01")]
    assert "outside the folder's frames" in reasons[("sub03", "EP08_02")]
    assert "no row in the coding sheet" in reasons[("sub03", "EP99_99")]
    assert "not in the 5-class protocol" in reasons[("sub04", "EP09_01")]
    assert "not in the 5-class protocol" in reasons[("sub04", "EP09_02")]
    assert "'abc' is not a frame number" in reasons[("sub06", "EP13_01")]
    assert "row 15" in reasons[("sub06", "EP13_01")]  # names the spreadsheet row
    assert len(ds.skipped) == 7
    assert ds.summary()["clips"] == 8
    assert ds.summary()["subjects"] == 5


def test_numeric_frame_order(quirky: Path) -> None:
    clip = _clip(load_casme2(quirky), "EP03_02")
    assert clip.frame_numbers == [98, 99, 100, 101, 102]
    assert [p.name for p in clip.frames] == [f"reg_img{n}.jpg" for n in range(98, 103)]


def test_apex_slash_uses_midpoint_with_note(quirky: Path) -> None:
    ds = load_casme2(quirky)
    clip = _clip(ds, "EP01_01")
    assert clip.apex == 15
    assert any("midpoint" in n for n in clip.notes)
    assert any("midpoint" in n and "sub02/EP01_01" in n for n in ds.notes)


def test_partly_outside_interval_is_clamped(quirky: Path) -> None:
    clip = _clip(load_casme2(quirky), "EP08_03")
    assert (clip.onset, clip.apex, clip.offset) == (10, 12, 30)
    assert any("clamped" in n for n in clip.notes)


def test_truncated_jpeg_dropped_with_note(quirky: Path) -> None:
    clip = _clip(load_casme2(quirky), "EP11_01")
    assert 4 not in clip.frame_numbers and len(clip) == 7
    assert any("truncated JPEG" in n for n in clip.notes)


def test_junk_files_ignored_with_note(quirky: Path) -> None:
    ds = load_casme2(quirky)
    clip = _clip(ds, "EP11_02")
    assert len(clip) == 8
    assert any("Desktop - Shortcut.lnk" in n for n in clip.notes)
    assert any("Thumbs.db" in n for n in ds.notes)


def test_labels_subjects_and_names(quirky: Path) -> None:
    ds = load_casme2(quirky)
    assert _clip(ds, "EP10_01").emotion == "happiness"
    assert _clip(ds, "EP10_01").label == 0
    assert _clip(ds, "EP02_01f").subject == "sub01"
    assert _clip(ds, "EP12_01").notes  # matched case/space-insensitively, with a note
    assert _clip(ds, "EP01_01").action_units == "17"
    assert ds.per_class() == {
        "happiness": 3,
        "disgust": 2,
        "repression": 1,
        "surprise": 1,
        "others": 1,
    }


def test_seven_class_protocol_keeps_fear_and_sadness(quirky: Path) -> None:
    ds = load_casme2(quirky, protocol="7")
    assert _clip(ds, "EP09_01").label == 5
    assert _clip(ds, "EP09_02").label == 6


def test_raw_tree_and_preference(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / SHEET, [row(1, "EP02_01f", 2, 3, 5, "happiness")])
    write_frames(root / "CASME2_RAW_selected" / "sub01" / "EP02_01f", range(1, 7), prefix="img")
    ds = load_casme2(root)
    assert ds.tree_kind == "raw" and ds.frames_tree.name == "CASME2_RAW_selected"
    assert ds.clips[0].frames[0].name == "img1.jpg"
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    ds = load_casme2(root)
    assert ds.tree_kind == "cropped"
    assert any("also present: CASME2_RAW_selected" in n for n in ds.notes)
    assert load_casme2(root, tree="raw").tree_kind == "raw"


def test_nested_tree_and_other_sheet_name(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / "CASME2-coding-updated.xlsx", [row("sub01", "EP02_01f", 2, 3, 5, "others")])
    write_frames(root / "Cropped" / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    ds = load_casme2(root)
    assert [c.id for c in ds.clips] == ["sub01/EP02_01f"]
    assert any("one level down" in n for n in ds.notes)


def test_duplicate_rows_skipped(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    r = row(1, "EP02_01f", 2, 3, 5, "others")
    write_sheet(root / SHEET, [r, r])
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    ds = load_casme2(root)
    assert len(ds.clips) == 1
    assert len(ds.skipped) == 1 and "duplicate of row 2" in ds.skipped[0].reason


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


def test_no_frame_tree_or_sheet_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / SHEET, [row(1, "EP02_01f", 2, 3, 5, "others")])
    with pytest.raises(CASME2FormatError, match="no frame tree"):
        load_casme2(root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CASME2FormatError, match="no CASME II coding sheet"):
        load_casme2(empty)


def test_empty_folder_and_single_frame_skipped(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(
        root / SHEET, [row(1, "EP01_01", 1, 1, 1, "others"), row(1, "EP01_02", 1, 1, 1, "others")]
    )
    (root / "Cropped" / "sub01" / "EP01_01").mkdir(parents=True)
    write_frames(root / "Cropped" / "sub01" / "EP01_02", [1])
    ds = load_casme2(root)
    reasons = {s.episode: s.reason for s in ds.skipped}
    assert reasons == {"EP01_01": "no frames in folder", "EP01_02": "fewer than 2 readable frames"}


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
    rows = read_coding_sheet(path, notes)
    assert [r.row for r in rows] == [2, 4]
    assert any("1 blank row" in n for n in notes)


def test_helpers() -> None:
    assert subject_name(1) == "sub01" and subject_name(12.0) == "sub12"
    assert subject_name("sub7") == "sub07" and subject_name(" 3 ") == "sub03"
    assert subject_name("abc") is None and subject_name(1.5) is None
    assert natural_sorted(["img100", "img98", "img99"]) == ["img98", "img99", "img100"]


def test_cli_json_and_error(quirky: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(quirky), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout)
    assert set(summary) >= {
        "root",
        "frames_tree",
        "clips",
        "subjects",
        "per_class",
        "skipped",
        "notes",
    }
    assert summary["clips"] == 8 and summary["frames_tree"] == "Cropped"
    assert {"subject", "episode", "reason"} == set(summary["skipped"][0])
    table = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(quirky)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usable clips" in table.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "error:" in bad.stderr and "Traceback" not in bad.stderr


def test_fingerprint_changes_with_data(quirky: Path) -> None:
    a = load_casme2(quirky).fingerprint()
    assert a == load_casme2(quirky).fingerprint()
    write_frames(quirky / "Cropped" / "sub01" / "EP02_01f", [61])
    assert load_casme2(quirky).fingerprint() != a
