"""CAS(ME)^3 part A: the synthetic layout (several expressions per video, an apex on its onset)
read back exactly; hand-made sheets for onset 0, repeated onsets, folder spellings; clear
errors naming the file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from microexp.classes import canonical_emotion, label_of
from microexp.data.datasets.casme3 import CASME3FormatError, casme3_subject, load_casme3
from tests.data.datasets.casme_fixture import clip_of
from tests.data.datasets.release_fixtures import planted, write_images, write_workbook

SHEET = "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx"
HEADER = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"]


def _video(root: Path, subject: str, video: str, numbers) -> None:
    write_images(root / "part_A" / subject / video / "color", [f"{n}.jpg" for n in numbers])


def test_synthetic_layout_round_trips(layouts: dict[str, Path]) -> None:
    root = layouts["casme3"]
    samples = {f"{s['subject']}/{s['extra_video']}_{s['onset']}": s for s in planted(root)}
    ds = load_casme3(root)
    assert {c.id for c in ds.clips} == set(samples) and ds.skipped == []
    for clip in ds.clips:
        s = samples[clip.id]
        assert (clip.onset, clip.apex, clip.offset) == (s["onset"], s["sheet_apex"], s["offset"])
        assert clip.frame_numbers == list(range(s["onset"], s["offset"] + 1))
        assert [p.name for p in clip.frames] == [f"{n}.jpg" for n in clip.frame_numbers]
        assert clip.frames[0].parent.name == "color"
        assert clip.emotion == canonical_emotion(s["release_emotion"])
        assert clip.label == label_of("casme3", "7", clip.emotion)
        assert (clip.dataset, clip.fps) == ("casme3", 30.0)


def test_synthetic_quirks_are_reported(layouts: dict[str, Path]) -> None:
    samples = planted(layouts["casme3"])
    ds = load_casme3(layouts["casme3"])
    flat = next(s for s in samples if s["quirk"] == "onset-apex")
    flat_id = f"{flat['subject']}/{flat['extra_video']}_{flat['onset']}"
    assert next(c for c in ds.clips if c.id == flat_id).notes == [
        f"apex {flat['onset']} is the onset frame (no rise): kept"
    ]
    per_video = Counter((s["subject"], s["extra_video"]) for s in samples)
    shared = [f"{s}/{v}" for (s, v), n in per_video.items() if n > 1]
    assert sum(s["quirk"] == "shared-video" for s in samples) == 2 and shared
    assert ds.notes == [
        f"1 clip(s) with the apex on the onset frame: kept ({flat_id})",
        f"{len(shared)} video(s) hold several expressions, each read as its own clip named "
        f"video_onset ({', '.join(shared)})",
    ]


def test_onset_zero_repeated_onsets_and_spellings(tmp_path: Path) -> None:
    root = tmp_path / "casme3"
    rows = [
        HEADER,
        ["spNO.1", "a", 0, 2, 5, "4", "IV", "disgust"],  # onset 0: no such frame
        ["spNO.1", "a", 10, 12, 14, "12", "I", "happy"],
        ["spNO.1", "a", 10, 13, 16, "12", "I", "happy"],  # same onset, another offset
        ["spNO.1", "a", 10, 12, 14, "12", "I", "happy"],  # a repeated row
        ["spNO.2", "b", 3, 4, 6, "1+2", "II", "Surprise"],  # folder spelt spNo.2, no color/
        ["spNO.2", "c", 50, 52, 60, "1+2", "II", "surprise"],  # outside the video
        ["spNO.2", "d", 1, 2, 3, "1+2", "II", "surprise"],  # no such video
    ]
    write_workbook(root / SHEET, rows, title="label", before=[("notes", [["read me"]])])
    _video(root, "spNO.1", "a", range(1, 20))
    write_images(root / "part_A" / "spNo.2" / "b", [f"{n}.jpg" for n in range(1, 8)])
    _video(root, "spNo.2", "c", range(1, 10))
    _video(root, "spNo.2", "e", range(1, 4))  # a video without a micro-expression
    ds = load_casme3(root, protocol="3")
    assert [c.id for c in ds.clips] == ["spNO.1/a_0", "spNO.1/a_10", "spNO.1/a_10_2", "spNO.2/b_3"]
    assert clip_of(ds, "a_0").notes == ["onset 0 before the first frame 1: clamped"]
    assert clip_of(ds, "a_0").onset == 1 and clip_of(ds, "a_10_2").offset == 16
    assert [c.label for c in ds.clips] == [0, 1, 1, 2]
    reasons = {s.episode: s.reason for s in ds.skipped}
    assert reasons["a"].endswith("row 5: duplicate of row 3")
    assert reasons["c_50"] == "interval 50-60 lies outside the folder's frames 1-9"
    assert reasons["d"] == "no frame folder part_A/spNO.2/d (emotion: surprise)"
    assert ds.notes == [  # spNo.2 is spNO.2: no note
        f"1 video folder(s) have no row in {SHEET} (nothing to cut): spNO.2/e",
        "1 video(s) hold several expressions, each read as its own clip named video_onset "
        "(spNO.1/a)",
        "spNO.1/a_0: onset 0 before the first frame 1: clamped",
    ]


def test_errors_name_the_file(tmp_path: Path) -> None:
    root = tmp_path / "casme3"
    _video(root, "spNO.1", "a", range(1, 5))
    with pytest.raises(CASME3FormatError, match="no CAS\\(ME\\)\\^3 part A label sheet"):
        load_casme3(root)
    write_workbook(root / SHEET, [["Subject", "Filename", "Onset"], ["spNO.1", "a", 1]])
    with pytest.raises(CASME3FormatError, match="label sheet .*missing column.*'Offset'"):
        load_casme3(root)
    with pytest.raises(CASME3FormatError, match="known protocols are 7, 3"):
        load_casme3(root, protocol="5")


def test_subject_names() -> None:
    assert casme3_subject("spNO.1") == casme3_subject("spNo.1") == casme3_subject(1) == "spNO.1"
    assert casme3_subject("sub01") is None
