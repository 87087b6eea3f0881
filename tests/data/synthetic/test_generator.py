"""The synthetic CASME II: real layout, read by the real reader, reproducible, realistic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import pytest

from microexp.classes import CLASSES_5
from microexp.data.datasets.casme2 import load_casme2
from microexp.data.frames import load_frames
from microexp.data.synthetic import generate


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
