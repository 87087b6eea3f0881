"""SMIC-HS: the synthetic layout read back exactly (apex = the middle frame, noted); the raw
and repacked layouts; class folders that are not classes; clear errors naming the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.classes import label_of
from microexp.data.datasets.smic import SMICFormatError, load_smic, smic_subject
from tests.data.datasets.casme_fixture import clip_of
from tests.data.datasets.release_fixtures import planted, write_images


def test_synthetic_layout_round_trips(layouts: dict[str, Path]) -> None:
    root = layouts["smic"]
    samples = {f"{s['subject']}/{s['episode']}": s for s in planted(root)}
    ds = load_smic(root)
    assert {c.id for c in ds.clips} == set(samples) and ds.skipped == []
    for clip in ds.clips:
        s = samples[clip.id]
        numbers = list(range(s["onset"], s["offset"] + 1))
        middle = numbers[(len(numbers) - 1) // 2]
        assert (clip.onset, clip.apex, clip.offset) == (s["onset"], middle, s["offset"])
        assert clip.frame_numbers == numbers
        assert clip.frames[0].name == f"reg_image{s['onset']:06d}.bmp"
        assert clip.emotion == s["release_emotion"]
        assert clip.label == label_of("smic", "3", clip.emotion)
        assert (clip.dataset, clip.fps) == ("smic", 100.0)
        assert clip.notes == [f"apex not annotated in SMIC-HS: the middle frame {middle} is used"]
    first = min(samples.values(), key=lambda s: s["subject_index"])["subject"]
    assert ds.notes[0] == f"passed over 1 other item(s): {first}/non_micro"
    assert ds.notes[1].startswith(f"{len(samples)} clip(s) without an apex annotation")
    assert len(ds.notes) == 2 and ds.sheet is None and ds.tree_kind == "cropped"


def test_raw_tree_and_quirks(tmp_path: Path) -> None:
    hs = tmp_path / "SMIC" / "SMIC_all_raw" / "HS"
    write_images(
        hs / "s1" / "micro" / "negative" / "s1_ne_01",
        [f"image{n:06d}.bmp" for n in (9, 10, 11, 13)],
    )
    write_images(
        hs / "s1" / "micro" / "negative" / "s1_po_02", ["image000001.bmp", "image000002.bmp"]
    )
    write_images(
        hs / "s1" / "micro" / "other" / "s1_ot_01", ["image000001.bmp", "image000002.bmp"]
    )
    write_images(hs / "s1" / "non_micro" / "s1_x", ["image000001.bmp"])
    write_images(hs / "s2" / "micro" / "surprise" / "s2_sur_01", ["image000005.bmp"])
    (hs / "s2" / "micro" / "positive" / "s2_po_01").mkdir(parents=True)
    (hs / "readme.txt").write_text("x")
    ds = load_smic(tmp_path / "SMIC")
    assert ds.tree_kind == "raw" and [c.id for c in ds.clips] == ["s1/s1_ne_01", "s1/s1_po_02"]
    gappy = clip_of(ds, "s1_ne_01")
    assert (gappy.onset, gappy.apex, gappy.offset) == (9, 10, 13)
    assert "frame numbers jump before 13" in gappy.notes
    assert (
        "clip name code 'po' disagrees with its class folder 'negative'"
        in clip_of(ds, "s1_po_02").notes
    )
    reasons = {s.episode: s.reason for s in ds.skipped}
    assert reasons == {
        "other": "unknown class folder 'other'",
        "s2_po_01": "no frames in folder",
        "s2_sur_01": "fewer than 2 readable frames",
    }
    assert ds.notes[0] == "passed over 2 other item(s): readme.txt, s1/non_micro"


def test_hs_folder_and_jpg_copies(tmp_path: Path) -> None:
    write_images(tmp_path / "HS" / "s03" / "micro" / "surprise" / "s3_sur_01", ["1.jpg", "2.jpg"])
    ds = load_smic(tmp_path, tree="raw")
    assert [c.id for c in ds.clips] == ["s3/s3_sur_01"] and ds.clips[0].label == 2


def test_errors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(SMICFormatError, match="no frame tree under"):
        load_smic(tmp_path)
    with pytest.raises(SMICFormatError, match="has no annotation sheet"):
        load_smic(tmp_path, sheet="smic.xlsx")
    with pytest.raises(SMICFormatError, match="known protocols are 3"):
        load_smic(tmp_path, protocol="5")
    with pytest.raises(SMICFormatError, match="is not a folder"):
        load_smic(tmp_path / "nowhere")


def test_subject_names() -> None:
    assert smic_subject("s1") == smic_subject("s01") == smic_subject("S1") == "s1"
    assert smic_subject("sub01") is None and smic_subject("non_micro") is None
