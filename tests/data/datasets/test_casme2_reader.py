"""The CASME II reader on a folder that plants each known quirk."""

from __future__ import annotations

from pathlib import Path

from microexp.data.datasets.casme2 import load_casme2
from tests.data.datasets.casme_fixture import SHEET, clip_of, row, write_frames, write_sheet


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
    gone = reasons[("sub02", "EP05_05")]  # names its emotion: a class count can be checked
    assert gone.startswith("no frame folder") and gone.endswith("(emotion: surprise)"), gone
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


def test_apex_slash_uses_midpoint_with_note(quirky: Path) -> None:
    ds = load_casme2(quirky)
    clip = clip_of(ds, "EP01_01")
    assert clip.apex == 15
    assert any("midpoint" in n for n in clip.notes)
    assert any("midpoint" in n and "sub02/EP01_01" in n for n in ds.notes)


def test_partly_outside_interval_is_clamped(quirky: Path) -> None:
    clip = clip_of(load_casme2(quirky), "EP08_03")
    assert (clip.onset, clip.apex, clip.offset) == (10, 12, 30)
    assert any("clamped" in n for n in clip.notes)


def test_labels_subjects_and_names(quirky: Path) -> None:
    ds = load_casme2(quirky)
    assert clip_of(ds, "EP10_01").emotion == "happiness"
    assert clip_of(ds, "EP10_01").label == 0
    assert clip_of(ds, "EP02_01f").subject == "sub01"
    assert clip_of(ds, "EP12_01").notes  # matched case/space-insensitively, with a note
    assert clip_of(ds, "EP01_01").action_units == "17"
    assert ds.per_class() == {
        "happiness": 3,
        "disgust": 2,
        "repression": 1,
        "surprise": 1,
        "others": 1,
    }


def test_seven_class_protocol_keeps_fear_and_sadness(quirky: Path) -> None:
    ds = load_casme2(quirky, protocol="7")
    assert clip_of(ds, "EP09_01").label == 5
    assert clip_of(ds, "EP09_02").label == 6


def test_duplicate_rows_skipped(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    r = row(1, "EP02_01f", 2, 3, 5, "others")
    write_sheet(root / SHEET, [r, r])
    write_frames(root / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    ds = load_casme2(root)
    assert len(ds.clips) == 1
    assert len(ds.skipped) == 1 and "duplicate of row 2" in ds.skipped[0].reason


def test_fingerprint_changes_with_data(quirky: Path) -> None:
    a = load_casme2(quirky).fingerprint()
    assert a == load_casme2(quirky).fingerprint()
    write_frames(quirky / "Cropped" / "sub01" / "EP02_01f", [61])
    assert load_casme2(quirky).fingerprint() != a
