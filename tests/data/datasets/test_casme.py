"""CASME: the synthetic layout (two sections, mixed frame names) read back exactly;
hand-made sheets and trees for the other layouts and quirks; clear errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.classes import label_of
from microexp.data.datasets.casme import CASMEFormatError, load_casme
from microexp.data.synthetic.casme import frame_name
from microexp.data.synthetic.plans import Sample
from microexp.data.synthetic.render import ClipSpec
from tests.data.datasets.casme_fixture import clip_of
from tests.data.datasets.release_fixtures import planted, write_images, write_workbook

SHEET = "CASME-coded-20190721.xlsx"
HEADER = ["Subject", "Filename", None, "OnsetF", "ApexF1", "ApexF2", "OffsetF", None]
HEADER += ["Onset", "Total", "AU", "Emotion"]


def _row(subject, name, onset, apex, offset, emotion):
    return [subject, name, None, onset, apex, "\\", offset, None, 150.0, 316.7, "4", emotion]


def test_synthetic_layout_round_trips(layouts: dict[str, Path]) -> None:
    root = layouts["casme"]
    samples = {f"{s['subject']}/{s['episode']}": s for s in planted(root)}
    ds = load_casme(root, protocol="all")
    assert {c.id for c in ds.clips} == set(samples)
    assert ds.skipped == [] and ds.notes == [] and ds.tree_kind == "raw"
    namings = set()
    for clip in ds.clips:
        s = samples[clip.id]
        assert (clip.onset, clip.apex, clip.offset) == (s["onset"], s["apex"], s["offset"])
        assert clip.frame_numbers == list(range(s["onset"], s["offset"] + 1))
        spec = ClipSpec(**{k: v for k, v in s.items() if k in ClipSpec.__dataclass_fields__})
        sample = Sample(spec, s["release_emotion"], extra={"naming": s["extra_naming"]})
        assert [p.name for p in clip.frames] == [frame_name(sample, n) for n in clip.frame_numbers]
        assert clip.frames[0].parent.parent.parent.name == s["extra_section"].split("/")[1]
        assert clip.emotion == s["release_emotion"]
        assert clip.label == label_of("casme", "all", clip.emotion)
        assert (clip.dataset, clip.fps) == ("casme", 60.0)
        namings.add(s["extra_naming"])
    assert {"dash3"} < namings  # padded and unpadded names both planted
    assert {s["extra_section"] for s in samples.values()} == {
        "CASME_A/Section A",
        "CASME_B/Section B",
    }


def test_four_class_protocol(layouts: dict[str, Path]) -> None:
    ds = load_casme(layouts["casme"])
    assert ds.classes == ("tense", "disgust", "repression", "surprise")
    assert all(s.reason.startswith("emotion '") for s in ds.skipped)


def test_raw_selected_tree_and_duration_columns(tmp_path: Path) -> None:
    root = tmp_path / "CASME"
    rows = [
        HEADER,
        _row(1, "EP01_12", 73, 81, 91, "disgust"),
        _row(1, "EP01_5", 5, "\\", 9, "tense"),  # no apex frame
        _row(2, "EP10", 1, 2, 4, "Amusement"),  # the 2013 name of happiness
    ]
    write_workbook(root / SHEET, rows)
    write_images(
        root / "CASME_raw_selected" / "sub01" / "EP01_12",
        [f"EP01_12-{n}.jpg" for n in range(73, 92)],
    )
    write_images(
        root / "CASME_raw_selected" / "sub01" / "EP01_5", [f"img{n}.jpg" for n in range(5, 10)]
    )
    write_images(
        root / "CASME_raw_selected" / "sub02" / "EP10", [f"EP10-{n:03d}.jpg" for n in range(1, 5)]
    )
    ds = load_casme(root, protocol="all")
    assert ds.tree_kind == "raw" and len(ds.clips) == 3
    first = clip_of(ds, "EP01_12")
    assert (first.onset, first.apex, first.offset) == (73, 81, 91)  # not the ms columns
    assert clip_of(ds, "EP01_5").apex == 7
    assert clip_of(ds, "EP10").emotion == "happiness"
    assert ds.notes[0].startswith("1 clip(s) with no apex frame")


def test_cropped_tree_preferred(tmp_path: Path) -> None:
    root = tmp_path / "CASME"
    write_workbook(root / SHEET, [HEADER, _row(3, "EP02_01", 1, 2, 3, "surprise")])
    write_images(
        root / "CASME_A" / "Section A" / "sub03" / "EP02_01", ["img1.jpg", "img2.jpg", "img3.jpg"]
    )
    write_images(
        root / "Cropped" / "sub03" / "EP02_01",
        ["reg_EP02_01-1.jpg", "reg_EP02_01-2.jpg", "reg_EP02_01-3.jpg"],
    )
    ds = load_casme(root)
    assert ds.tree_kind == "cropped" and ds.clips[0].frames[0].name == "reg_EP02_01-1.jpg"
    ds = load_casme(root, tree="raw")
    assert ds.tree_kind == "raw" and ds.clips[0].frames[0].name == "img1.jpg"


def test_errors_name_the_file(tmp_path: Path) -> None:
    root = tmp_path / "CASME"
    write_images(root / "CASME_raw_selected" / "sub01" / "EP01_01", ["img1.jpg", "img2.jpg"])
    with pytest.raises(CASMEFormatError, match="no CASME coding sheet"):
        load_casme(root)
    (root / "CASME-coded-20190721.xls").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
    )
    with pytest.raises(CASMEFormatError, match=r"CASME-coded-20190721.xls is an old binary .xls"):
        load_casme(root)
    write_workbook(root / SHEET, [HEADER[:5], [1, "EP01_01", None, 1, 2]])
    with pytest.raises(CASMEFormatError, match=f"{SHEET}.*missing column.*'OffsetF'"):
        load_casme(root, sheet=SHEET)
    with pytest.raises(CASMEFormatError, match="known protocols are 4, all"):
        load_casme(root, protocol="5")
