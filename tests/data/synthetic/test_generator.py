"""The synthetic CASME II as released: real layout read back exactly by the real reader (row
errors noted or skipped), folders of exactly onset..offset, the release's uneven statistics,
no fixed motion per class, non-square crops, byte-reproducible."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from microexp.data.datasets.casme2 import load_casme2
from microexp.data.frames import load_frames
from microexp.data.synthetic import generate, plan_casme2
from microexp.data.synthetic.casme2 import (
    APEX_SLASH,
    CLASS_COUNTS,
    JUNK_FILE,
    JUNK_NAME,
    NO_FOLDER,
    NO_ROW,
    OFFSET_PAST_END,
    SUBJECT_COUNTS,
)

EXTRAS = (NO_ROW, NO_FOLDER)


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "casme2"
    generate(root, subjects=3, clips=5, seed=3, workers=2, progress=False)
    return root


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _samples(root: Path) -> list[dict]:
    return json.loads((root / "synthetic.json").read_text())["samples"]


def test_reader_reads_back_every_planted_clip(synth: Path) -> None:
    samples = _samples(synth)
    ds = load_casme2(synth, protocol="7")
    clips = {c.id: c for c in ds.clips}
    read = [s for s in samples if s["quirk"] not in EXTRAS]
    assert len(clips) == len(read) == 15
    notes = []
    for s in read:
        clip = clips[f"{s['subject']}/{s['episode']}"]
        truth = (s["onset"], s["apex"], s["offset"])
        assert (clip.onset, clip.offset, clip.emotion) == (s["onset"], s["offset"], s["emotion"])
        assert clip.emotion == s["release_emotion"] and clip.action_units == s["action_units"]
        assert clip.frame_numbers == list(range(s["onset"], s["offset"] + 1))  # no lead-in/tail
        assert clip.frames[0].name == f"reg_img{s['onset']}.jpg"
        assert clip.frames[-1].name == f"reg_img{s['offset']}.jpg"
        assert (synth / "masks" / clip.subject / f"{clip.episode}.png").is_file()
        if s["quirk"] == APEX_SLASH:
            midpoint = (s["onset"] + s["offset"]) // 2
            assert s["sheet_apex"] == "/" and clip.apex == midpoint
            assert clip.notes == [f"apex '/' is not a frame number: midpoint {midpoint} used"]
            wording = "with no apex frame ('/'): the onset-offset midpoint is used"
            notes.insert(0, f"1 clip(s) {wording} ({clip.id})")
        elif s["quirk"] == OFFSET_PAST_END:
            assert s["sheet_offset"] > s["offset"] and clip.apex == s["apex"]
            note = f"offset {s['sheet_offset']} after the last frame {s['offset']}: clamped"
            assert clip.notes == [note]
            notes.append(f"{clip.id}: {note}")
        elif s["quirk"] == JUNK_FILE:
            assert clip.apex == s["apex"]
            assert clip.notes == [f"ignored non-frame file(s): {JUNK_NAME}"]
            notes.append(f"{clip.id}: ignored non-frame file(s): {JUNK_NAME}")
        else:
            assert s["quirk"] == "" and (clip.onset, clip.apex, clip.offset) == truth
            assert clip.notes == []
    assert sorted(ds.notes) == sorted(notes) and len(notes) == 3
    skips = {(k.subject, k.episode): k.reason for k in ds.skipped}
    expected = {}
    for s in samples:
        if s["quirk"] == NO_ROW:
            expected[(s["subject"], s["episode"])] = "folder has no row in the coding sheet"
        elif s["quirk"] == NO_FOLDER:
            where = f"Cropped/{s['subject']}/{s['episode']}"
            reason = f"no frame folder {where} (emotion: {s['emotion']})"
            expected[(s["subject"], s["episode"])] = reason
    assert skips == expected and len(expected) == 2


def test_tiny_set_is_uneven_and_its_layout_real(synth: Path) -> None:
    meta = json.loads((synth / "synthetic.json").read_text())
    assert meta["per_subject"] == {"sub01": 5, "sub02": 7, "sub03": 3}
    counts = list(meta["per_emotion"].values())
    assert sum(counts) == 15 and max(counts) >= 3 * min(counts)
    assert next(iter(meta["per_emotion"])) == "others"
    assert (synth / "CASME2-coding-20140508.xlsx").is_file()
    preview = cv2.imread(str(synth / "preview.png"))
    assert preview is not None and preview.shape[0] > 300 and preview.shape[1] > 300


def test_default_plan_has_the_release_statistics() -> None:
    plan = plan_casme2()
    read = [s for s in plan.samples if s.quirk not in EXTRAS]
    assert Counter(s.emotion for s in read) == CLASS_COUNTS  # 99/63/32/27/25/7/2, uneven
    per_subject = Counter(s.spec.subject for s in read)
    assert [per_subject[f"sub{k + 1:02d}"] for k in range(26)] == list(SUBJECT_COUNTS)
    quirks = Counter(s.quirk for s in plan.samples if s.quirk)
    assert quirks == {APEX_SLASH: 21, OFFSET_PAST_END: 1, JUNK_FILE: 1, NO_ROW: 1, NO_FOLDER: 1}
    favourite = [
        Counter(s.emotion for s in read if s.spec.subject_index == k).most_common(1)[0]
        for k in range(26)
    ]
    assert len({e for e, _ in favourite}) > 2  # subjects favour different classes
    seconds = np.array([s.spec.n_frames / 200 for s in read])
    assert 0.2 < np.median(seconds) < 0.5 and (seconds > 0.5).sum() >= 5
    assert all(s.spec.n_frames == s.spec.offset - s.spec.onset + 1 for s in read)
    where = np.array([(s.spec.apex - s.spec.onset) / (s.spec.offset - s.spec.onset) for s in read])
    assert where.min() < 0.25 and where.max() > 0.7 and where.std() > 0.1  # not the middle
    half = plan_casme2(size=0.5)
    counts = Counter(s.emotion for s in half.samples if s.quirk not in EXTRAS)
    assert sum(counts.values()) == 128 and counts["others"] == 50 and counts["fear"] == 1
    assert len({s.spec.subject for s in half.samples}) == 26


def test_no_class_is_one_fixed_motion() -> None:
    plan = plan_casme2(quirks=False)
    for emotion in CLASS_COUNTS:
        specs = [s.spec for s in plan.samples if s.emotion == emotion]
        regions = {tuple(sorted(m.region for m in spec.moves)) for spec in specs}
        amplitudes = {(round(spec.magnitude, 6), spec.moves[0].amplitude) for spec in specs}
        assert len(regions) > 1 and len(amplitudes) == len(specs), emotion
    magnitudes = np.array([s.spec.magnitude for s in plan.samples])
    assert magnitudes.min() >= 0.35 and magnitudes.max() <= 2.0
    assert 0.6 < np.median(magnitudes) < 1.1  # mostly sub-pixel at 64x64


def test_crops_are_not_square(synth: Path) -> None:
    plan = plan_casme2(subjects=26)
    sizes = {(f.width, f.height) for f in plan.faces}
    assert len(sizes) > 10 and all(62 <= w <= 75 and h >= 1.15 * w for w, h in sizes)
    frame = cv2.imread(str(next((synth / "Cropped").rglob("reg_img*.jpg"))))
    assert frame.shape[0] > 1.1 * frame.shape[1]


def test_margin_keeps_neutral_frames_for_datasets_that_have_them(tmp_path: Path) -> None:
    options = {"margin": 4, "quirks": False, "workers": 1, "progress": False}
    generate(tmp_path / "m", subjects=1, clips=2, **options)
    ds = load_casme2(tmp_path / "m", protocol="7")
    assert len(ds.clips) == 2 and not ds.skipped
    for clip in ds.clips:
        assert clip.frame_numbers == list(range(clip.onset - 4, clip.offset + 5))


def test_byte_reproducible(tmp_path: Path, synth: Path) -> None:
    again = tmp_path / "again"
    generate(again, subjects=3, clips=5, seed=3, workers=1, progress=False)
    assert _tree_digest(again) == _tree_digest(synth)
    other = tmp_path / "other"
    generate(other, subjects=3, clips=5, seed=4, workers=1, progress=False)
    assert _tree_digest(other) != _tree_digest(synth)


def test_faces_differ_per_subject(synth: Path) -> None:
    ds = load_casme2(synth)
    firsts = {}
    for clip in ds.clips:
        if clip.subject not in firsts:
            firsts[clip.subject] = load_frames(clip.frames[:1], 64).frames[0].float()
    a, b, c = firsts.values()
    for x, y in ((a, b), (a, c), (b, c)):
        assert (x - y).abs().mean() > 10  # grey levels: different faces, not noise


@pytest.mark.slow
def test_default_set_reads_back_with_the_release_counts(tmp_path: Path) -> None:
    summary = generate(tmp_path / "full", workers=2, progress=False)
    ds = load_casme2(tmp_path / "full", protocol="7")
    assert ds.per_class() == CLASS_COUNTS and summary["clips"] == len(ds.clips) == 255
    assert len(ds.skipped) == 2 and len(ds.subjects) == 26
