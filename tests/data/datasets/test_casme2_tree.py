"""The CASME II frame trees: picked, indexed and scanned, quirks noted or skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.data.datasets.casme2 import CASME2FormatError, load_casme2
from tests.data.datasets.casme_fixture import SHEET, clip_of, row, write_frames, write_sheet


def test_numeric_frame_order(quirky: Path) -> None:
    clip = clip_of(load_casme2(quirky), "EP03_02")
    assert clip.frame_numbers == [98, 99, 100, 101, 102]
    assert [p.name for p in clip.frames] == [f"reg_img{n}.jpg" for n in range(98, 103)]


def test_truncated_jpeg_dropped_with_note(quirky: Path) -> None:
    clip = clip_of(load_casme2(quirky), "EP11_01")
    assert 4 not in clip.frame_numbers and len(clip) == 7
    assert any("truncated JPEG" in n for n in clip.notes)


def test_junk_files_ignored_with_note(quirky: Path) -> None:
    ds = load_casme2(quirky)
    clip = clip_of(ds, "EP11_02")
    assert len(clip) == 8
    assert any("Desktop - Shortcut.lnk" in n for n in clip.notes)
    assert any("Thumbs.db" in n for n in ds.notes)


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


def test_no_frame_tree_or_sheet_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / SHEET, [row(1, "EP02_01f", 2, 3, 5, "others")])
    with pytest.raises(CASME2FormatError, match="no frame tree"):
        load_casme2(root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CASME2FormatError, match="no CASME II coding sheet") as info:
        load_casme2(empty)
    assert "data.sheet=PATH" in str(info.value)


def test_a_frame_tree_given_as_root_points_at_its_parent(tmp_path: Path) -> None:
    root = tmp_path / "CASME2"
    write_sheet(root / SHEET, [row(1, "EP02_01f", 2, 3, 5, "others")])
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    with pytest.raises(CASME2FormatError, match="no CASME II coding sheet") as info:
        load_casme2(root / "Cropped")
    assert f"is the CASME II frame tree, not its release folder: use its parent {root}" in str(
        info.value
    )
    assert f"data.root={root})" in str(info.value)


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
