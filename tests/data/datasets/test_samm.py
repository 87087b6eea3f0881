"""SAMM: the synthetic layout read back exactly, each planted quirk reported; hand-made
workbooks for the quirks the generator does not plant; clear errors naming the file."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from microexp.classes import canonical_emotion, label_of
from microexp.data.datasets.samm import SAMMFormatError, load_samm, samm_subject
from microexp.data.records import Skip
from tests.data.datasets.casme_fixture import clip_of
from tests.data.datasets.release_fixtures import planted, write_images, write_workbook

HEADER = [
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset Frame",
    "Apex Frame",
    "Offset Frame",
    "Duration",
    "Type",
    "Action Units",
    "Estimated Emotion",
    "Objective Classes",
    "Notes",
]


def _row(subject, name, onset, apex, offset, emotion, aus="4"):
    return [subject, name, 1, onset, apex, offset, None, "Micro - 1/2", aus, emotion, 1, None]


def _frames(root: Path, subject: str, name: str, numbers, tree: str = "SAMM") -> None:
    write_images(root / tree / subject / name, [f"{subject}_{n:05d}.jpg" for n in numbers], True)


def test_synthetic_layout_round_trips(layouts: dict[str, Path]) -> None:
    root = layouts["samm"]
    samples = planted(root)
    ds = load_samm(root, protocol="all")
    written = {f"{s['subject']}/{s['episode']}": s for s in samples if s["quirk"] != "no-frames"}
    assert {c.id for c in ds.clips} == set(written)
    for clip in ds.clips:
        s = written[clip.id]
        apex = min(s["sheet_apex"], s["offset"])
        assert (clip.onset, clip.apex, clip.offset) == (s["onset"], apex, s["offset"])
        assert clip.frame_numbers == list(range(s["onset"], s["offset"] + 1))
        assert clip.frames[0].name == f"{s['subject']}_{s['onset']:05d}.jpg"
        assert clip.emotion == canonical_emotion(s["release_emotion"])
        assert clip.label == label_of("samm", "all", clip.emotion)
        assert clip.action_units == s.get("extra_aus", s["action_units"])
        assert (clip.dataset, clip.fps) == ("samm", 200.0)
    image = cv2.imread(str(ds.clips[0].frames[0]), cv2.IMREAD_UNCHANGED)
    assert image.ndim == 2  # grey frames
    assert ds.tree_kind == "cropped" and ds.frames_tree.name == "SAMM_CROP"


def test_synthetic_quirks_are_reported(layouts: dict[str, Path]) -> None:
    root = layouts["samm"]
    quirk = {s["quirk"]: s for s in planted(root) if s["quirk"]}
    assert set(quirk) == {"apex-outside", "no-frames", "au-or"}
    ds = load_samm(root, protocol="all")
    gone = quirk["no-frames"]
    assert ds.skipped == [
        Skip(
            gone["subject"],
            gone["episode"],
            f"no frame folder SAMM_CROP/{gone['subject']}/{gone['episode']} "
            f"(emotion: {gone['emotion'].lower()})",
        )
    ]
    late = quirk["apex-outside"]
    late_id = f"{late['subject']}/{late['episode']}"
    assert clip_of(ds, late["episode"]).notes == [
        f"apex {late['sheet_apex']} outside [{late['onset']}, {late['offset']}]: "
        f"clamped to {late['offset']}"
    ]
    alt = quirk["au-or"]
    alt_note = "action units 'R14 or 12' give alternatives: kept as text"
    assert clip_of(ds, alt["episode"]).notes == [alt_note]
    assert ds.notes == [
        f"1 clip(s) with the apex outside the interval: clamped into it ({late_id})",
        f"{alt['subject']}/{alt['episode']}: {alt_note}",
    ]


def test_five_class_protocol_skips_the_other_emotions(layouts: dict[str, Path]) -> None:
    ds = load_samm(layouts["samm"])
    assert ds.classes == ("anger", "contempt", "happiness", "surprise", "others")
    for skip in ds.skipped:
        assert skip.reason.startswith("emotion '") or skip.reason.startswith("no frame folder")
    assert all(c.emotion in ds.classes for c in ds.clips)


def test_workbook_without_title_block_and_its_quirks(tmp_path: Path) -> None:
    root = tmp_path / "SAMM"
    rows = [
        HEADER,
        _row(6, "006_1_2", 5562, None, 5570, "Others"),  # apex blank; Subject an int
        _row("007", "007_3_1", 100, 104, 120, "Happiness"),  # offset past the folder
        _row("007", "007_3_1", 100, 104, 120, "Happiness"),  # duplicate
        _row("009", "009_2_1", 10.5, 12, 14, "Anger"),  # fractional onset
        _row("009", "009_2_2", 10, 12, 14, "Disgust"),  # not in the 5-class protocol
    ]
    write_workbook(root / "SAMM_20181215_Micro_FACS_Codes_v2.xlsx", rows)
    _frames(root, "006", "006_1_2", range(5562, 5571))
    _frames(root, "007", "007_3_1", range(100, 111))
    _frames(root, "009", "009_2_1", range(10, 15))
    _frames(root, "009", "009_2_2", range(10, 15))
    _frames(root, "009", "009_9_9", range(1, 4))  # a folder without a row
    ds = load_samm(root)
    assert ds.tree_kind == "raw" and [c.id for c in ds.clips] == ["006/006_1_2", "007/007_3_1"]
    first = clip_of(ds, "006_1_2")
    assert (first.emotion, first.apex) == ("others", 5566)
    assert first.notes == ["apex '' is not a frame number: midpoint 5566 used"]
    assert clip_of(ds, "007_3_1").notes == ["offset 120 after the last frame 110: clamped"]
    reasons = {s.episode: s.reason for s in ds.skipped}
    assert reasons["007_3_1"].endswith("duplicate of row 3")
    assert "Onset Frame '10.5' is not a frame number" in reasons["009_2_1"]
    assert reasons["009_2_2"] == "emotion 'disgust' is not in the 5-class protocol"
    assert reasons["009_9_9"] == "folder has no row in the coding sheet"
    assert "1 clip(s) with no apex frame ('/'): the onset-offset midpoint is used" in ds.notes[0]


def test_bad_workbooks_name_the_file(tmp_path: Path) -> None:
    root = tmp_path / "SAMM"
    sheet = write_workbook(root / "SAMM_Micro_FACS_Codes_v2.xlsx", [["Title"], ["x", "y"]])
    _frames(root, "006", "006_1_2", range(1, 4))
    with pytest.raises(SAMMFormatError, match="SAMM_Micro_FACS_Codes_v2.xlsx.*no header row"):
        load_samm(root)
    write_workbook(sheet, [HEADER[:5], ["006", "006_1_2", 1, 1, 2]])
    with pytest.raises(SAMMFormatError, match="missing column.*'Offset Frame'"):
        load_samm(root)
    with pytest.raises(SAMMFormatError, match="known protocols are 5, all, 3"):
        load_samm(root, protocol="7")
    with pytest.raises(SAMMFormatError, match="no SAMM coding sheet"):
        load_samm(tmp_path)


def test_subject_names() -> None:
    assert samm_subject(6) == samm_subject("006") == samm_subject(6.0) == "006"
    assert samm_subject("abc") is None and samm_subject(6.5) is None
