"""Bad frame trees: empty folders, zero-byte and non-image files, mixed sizes, grey images.

Each problem is a counted skip with its reason or a loaded clip with a note, through the reader,
the DataModule (frame and flow caches) and both command lines, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from microexp.data.casme2 import load_casme2
from microexp.data.datamodule import MicroExpDataModule
from microexp.data.records import DataFormatError
from tests.conftest import ROOT
from tests.data.casme_fixture import row, write_frames, write_sheet

SHEET = "CASME2-coding-20140508.xlsx"
FRAMES = range(1, 9)


def _grey(folder: Path, numbers: range) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    for n in numbers:
        cv2.imwrite(str(folder / f"reg_img{n}.jpg"), rng.integers(0, 255, (40, 32), np.uint8))


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    """Three subjects; one clip per problem, and enough good clips to train on."""
    root = tmp_path / "CASME2"
    crop = root / "Cropped"
    rows = []
    for sub in (1, 2, 3):
        for ep in ("EP01_01", "EP01_02"):  # good clips
            rows.append(row(sub, ep, 2, 4, 7, "others"))
            write_frames(crop / f"sub0{sub}" / ep, FRAMES, seed=sub)
    problems = {
        "EP09_01": "empty folder",
        "EP09_02": "only zero-byte files",
        "EP09_03": "zero-byte and non-image files among frames",
        "EP09_04": "mixed image sizes",
        "EP09_05": "grey images",
        "EP09_06": "a frame that passes the header check but cannot be decoded",
        "EP09_07": ".png files holding JPEG data",
        "EP09_08": "one frame",
        "EP09_09": "files without a frame number",
    }
    for ep in problems:
        rows.append(row(1, ep, 2, 4, 7, "happiness"))
    write_sheet(root / SHEET, rows)
    s1 = crop / "sub01"
    (s1 / "EP09_01").mkdir(parents=True)
    (s1 / "EP09_02").mkdir()
    for n in FRAMES:
        (s1 / "EP09_02" / f"reg_img{n}.jpg").write_bytes(b"")
    write_frames(s1 / "EP09_03", FRAMES)
    (s1 / "EP09_03" / "reg_img3.jpg").write_bytes(b"")  # zero bytes
    (s1 / "EP09_03" / "notes.txt").write_text("frames exported 2014")
    (s1 / "EP09_03" / "Thumbs.db").write_bytes(b"\x00" * 64)
    (s1 / "EP09_03" / ".DS_Store").write_bytes(b"\x00\x01")
    (s1 / "EP09_03" / "old").mkdir()
    write_frames(s1 / "EP09_04", range(1, 5), size=(40, 48))
    write_frames(s1 / "EP09_04", range(5, 9), size=(64, 30))
    _grey(s1 / "EP09_05", FRAMES)
    paths = write_frames(s1 / "EP09_06", FRAMES)
    paths[4].write_bytes(b"\xff\xd8" + b"\x00" * 300 + b"\xff\xd9")
    (s1 / "EP09_07").mkdir()
    for p in write_frames(tmp_path / "jpegs", FRAMES):
        (s1 / "EP09_07" / f"{p.stem}.png").write_bytes(p.read_bytes())
    write_frames(s1 / "EP09_08", [3])
    (s1 / "EP09_09").mkdir()
    for name in ("face.jpg", "face_copy.jpg", "preview.png"):
        write_frames(tmp_path / "named", [1])[0].rename(s1 / "EP09_09" / name)
    (crop / "sub02" / "desktop.ini").write_text("[.ShellClassInfo]")
    (crop / "README.txt").write_text("CASME II cropped faces")
    return root


def _reasons(ds) -> dict[str, str]:  # noqa: ANN001
    return {s.episode: s.reason for s in ds.skipped}


def test_reader_counts_each_problem(bad_tree: Path) -> None:
    ds = load_casme2(bad_tree)
    reasons = _reasons(ds)
    assert reasons["EP09_01"] == "no frames in folder"
    assert reasons["EP09_02"] == "no readable frames in folder (8 unreadable)"
    assert reasons["EP09_07"] == "no readable frames in folder (8 unreadable)"
    assert reasons["EP09_08"] == "fewer than 2 readable frames"
    assert reasons["EP09_09"] == "no frames in folder"
    assert len(ds.skipped) == 5
    clips = {c.episode: c for c in ds.clips if c.subject == "sub01"}
    mixed = clips["EP09_03"]
    assert 3 not in mixed.frame_numbers and len(mixed) == 7
    assert any("reg_img3.jpg (empty file (0 bytes))" in n for n in mixed.notes)
    assert any("notes.txt" in n and "Thumbs.db" in n for n in mixed.notes)
    assert len(clips["EP09_04"]) == len(clips["EP09_05"]) == len(clips["EP09_06"]) == 8
    assert any("desktop.ini" in n for n in ds.notes) and any("README.txt" in n for n in ds.notes)
    assert len(ds.clips) == 6 + 4


def test_datamodule_skips_and_notes(bad_tree: Path, tmp_path: Path) -> None:
    """Through the caches: the undecodable frame is a counted skip naming the file; mixed
    sizes and grey frames load (grey as three equal channels)."""

    def module() -> MicroExpDataModule:
        return MicroExpDataModule(
            str(bad_tree),
            cache_dir=str(tmp_path / "cache"),
            flow_backend="opencv",
            size=16,
            seq_len=2,
            frame_stride=1,
            progress=False,
        )

    dm = module()
    dm.setup("fit")
    summary = dm.summary()
    reasons = {r["episode"]: r["reason"] for r in summary["skipped_reasons"]}
    assert summary["skipped"] == 6 and summary["clips"] == 9
    assert "reg_img5.jpg" in reasons["EP09_06"] and "cannot be decoded" in reasons["EP09_06"]
    loaded = {c.clip.episode: c for c in dm.data.clips if c.clip.subject == "sub01"}
    grey = np.asarray(loaded["EP09_05"].frames)
    assert grey.shape == (8, 3, 16, 16)
    assert np.array_equal(grey[:, 0], grey[:, 1]) and np.array_equal(grey[:, 1], grey[:, 2])
    assert np.asarray(loaded["EP09_04"].frames).shape == (8, 3, 16, 16)
    assert np.isfinite(np.asarray(loaded["EP09_04"].flow, np.float32)).all()
    # a second run reads the caches and reports the same skips
    again = module()
    again.setup("fit")
    assert again.summary()["skipped_reasons"] == summary["skipped_reasons"]


def test_no_usable_clips_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / SHEET, [row(1, "EP01_01", 2, 3, 5, "others")])
    (root / "Cropped" / "sub01" / "EP01_01").mkdir(parents=True)
    dm = MicroExpDataModule(str(root), cache_dir=str(tmp_path / "cache"), progress=False)
    with pytest.raises(DataFormatError, match=r"no usable clips in .*no frames in folder"):
        dm.setup("fit")


def test_one_subject_left_is_a_clear_error(bad_tree: Path, tmp_path: Path) -> None:
    """Frame folders of all but one subject unusable: LOSO has nothing to train on."""
    for sub in ("sub02", "sub03"):
        for folder in (bad_tree / "Cropped" / sub).iterdir():
            if folder.is_dir():
                for f in folder.iterdir():
                    f.write_bytes(b"")
    dm = MicroExpDataModule(
        str(bad_tree),
        cache_dir=str(tmp_path / "cache"),
        flow_backend="opencv",
        size=16,
        seq_len=2,
        frame_stride=1,
        progress=False,
    )
    with pytest.raises(
        DataFormatError, match="(no training clips|cannot make the loso split).*subjects: sub01"
    ):
        dm.setup("fit")


def test_reader_cli_on_a_bad_tree(bad_tree: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(bad_tree), "--json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["clips"] == 10 and len(summary["skipped"]) == 5
    assert "Traceback" not in out.stderr
    table = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(bad_tree)],
        capture_output=True,
        text=True,
    )
    assert table.returncode == 0 and "skipped (5)" in table.stdout
    empty = tmp_path / "empty"
    (empty / "Cropped").mkdir(parents=True)
    write_sheet(empty / SHEET, [row(1, "EP01_01", 2, 3, 5, "others")])
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(empty)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and "0 usable clips" in out.stdout  # an empty tree: counted
    (empty / "Cropped").rmdir()
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.casme2", str(empty)],
        capture_output=True,
        text=True,
    )
    assert (
        out.returncode == 2 and out.stderr.startswith("error: ") and "no frame tree" in out.stderr
    )
    assert "Traceback" not in out.stderr


def test_train_cli_with_no_usable_clips_exits_1(tmp_path: Path) -> None:
    root = tmp_path / "c2"
    write_sheet(root / SHEET, [row(1, "EP01_01", 2, 3, 5, "others")])
    (root / "Cropped" / "sub01" / "EP01_01").mkdir(parents=True)
    (root / "Cropped" / "sub01" / "EP01_01" / "reg_img2.jpg").write_bytes(b"")
    out = subprocess.run(
        [
            sys.executable,
            "train.py",
            "data=casme2",
            f"data.root={root}",
            f"data.cache_dir={tmp_path / 'cache'}",
            f"paths.log_dir={tmp_path / 'outputs'}",
            f"paths.output_dir={tmp_path / 'outputs' / 'run'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "error: no usable clips in" in out.stderr
    assert "no readable frames in folder (1 unreadable)" in out.stderr
    assert "Traceback" not in out.stderr


def test_fold_out_of_range_is_a_clear_error(bad_tree: Path, tmp_path: Path) -> None:
    dm = MicroExpDataModule(
        str(bad_tree),
        cache_dir=str(tmp_path / "cache"),
        flow_backend="opencv",
        size=16,
        seq_len=2,
        frame_stride=1,
        fold=3,
        progress=False,
    )
    with pytest.raises(DataFormatError, match="LOSO fold 3 does not exist: there are 3"):
        dm.setup("fit")
