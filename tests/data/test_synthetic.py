"""The synthetic CASME II: real layout, read by the real reader, reproducible, realistic."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from microexp.classes import CLASSES_5
from microexp.data.datasets.casme2 import load_casme2
from microexp.data.frames import load_frames
from microexp.data.synthetic import (
    REF_SIZE,
    expression_field,
    face_params,
    generate,
    plan,
    render_clip,
)


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


def test_reader_reports_exactly_what_was_written(synth: Path) -> None:
    meta = json.loads((synth / "synthetic.json").read_text())
    ds = load_casme2(synth)
    assert ds.skipped == [] and ds.notes == []
    assert len(ds.clips) == meta["clips"] == 15
    assert ds.per_class() == {c: 3 for c in CLASSES_5}
    specs = {(s["subject"], s["episode"]): s for s in meta["clip_specs"]}
    assert {c.id for c in ds.clips} == {f"{s}/{e}" for s, e in specs}
    for clip in ds.clips:
        spec = specs[(clip.subject, clip.episode)]
        assert (clip.onset, clip.apex, clip.offset) == (
            spec["onset"],
            spec["apex"],
            spec["offset"],
        )
        assert clip.emotion == spec["emotion"]
        assert clip.frame_numbers == list(
            range(spec["first_frame"], spec["first_frame"] + spec["n_frames"])
        )
        assert clip.frames[0].name == f"reg_img{spec['first_frame']}.jpg"
        assert (synth / "masks" / clip.subject / f"{clip.episode}.png").is_file()
        assert clip.frame_numbers[0] < clip.onset and clip.offset < clip.frame_numbers[-1]


def test_layout_and_preview(synth: Path) -> None:
    assert (synth / "CASME2-coding-20140508.xlsx").is_file()
    assert (synth / "Cropped" / "sub01").is_dir()
    preview = cv2.imread(str(synth / "preview.png"))
    assert preview is not None and preview.shape[0] > 300 and preview.shape[1] > 300


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


def test_expression_is_class_specific_localised_and_subtle() -> None:
    face = face_params(np.random.default_rng(0))
    masks = {}
    for emotion in CLASSES_5:
        dx, dy = expression_field(face, emotion, 1.0, np.random.default_rng(1))
        mag = np.sqrt(dx**2 + dy**2) * REF_SIZE / face.width  # pixels at 64x64
        assert mag.max() == pytest.approx(1.0, rel=1e-4)
        region = mag >= 0.25 * mag.max()
        assert region.mean() < 0.2  # local, not global
        masks[emotion] = region
    for i, e1 in enumerate(CLASSES_5):
        for e2 in CLASSES_5[i + 1 :]:
            inter = (masks[e1] & masks[e2]).sum()
            union = (masks[e1] | masks[e2]).sum()
            assert inter / union < 0.5, (e1, e2)  # different regions per class
    _, specs = plan(4, 10, 0)
    mags = [s.magnitude for s in specs]
    assert min(mags) >= 0.3 and max(mags) <= 1.5


def test_distractors_present() -> None:
    faces, specs = plan(2, 10, 0)
    spec = specs[0]
    frames, mask = render_clip(spec, faces[spec.subject_index])
    first = frames[0].astype(np.float32)
    on = spec.onset - spec.first_frame
    lead = frames[on - 1].astype(np.float32)  # still neutral: no expression yet
    outside = cv2.dilate(mask, np.ones((15, 15), np.uint8)) == 0
    # sensor noise, flicker and drift change neutral frames outside the expression region
    assert np.abs(lead - first)[outside].mean() > 0.5
    blinks = 0
    for s in specs:
        rng = np.random.default_rng(s.seed)
        face = faces[s.subject_index]
        expression_field(face, s.emotion, s.magnitude, rng)  # same draws as render_clip
        from microexp.data.synthetic import _blink_curve

        blinks += int(_blink_curve(s.n_frames, rng).min() < 0.5)
    assert 2 <= blinks <= 18  # some clips blink, not all


def test_cli_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("x")
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.synthetic", str(tmp_path / "x"), "--subjects", "1"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "not empty" in out.stderr and "Traceback" not in out.stderr


def test_cli_writes_summary(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "microexp.data.synthetic",
            str(tmp_path / "s"),
            "--subjects",
            "2",
            "--clips",
            "2",
            "--seed",
            "5",
            "--trees",
            "both",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["clips"] == 4
    ds = load_casme2(tmp_path / "s", tree="raw")
    assert len(ds.clips) == 4 and ds.clips[0].frames[0].name.startswith("img")
