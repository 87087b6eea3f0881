"""``python -m microexp.predict``: a video or a frame folder in; intensity.csv, intervals.json
and fig2.png out; one clear error for every bad input or checkpoint.

The checkpoints are untrained joint networks saved by Lightning exactly as a training run saves
them (the real LightningModule from the composed config, ``on_save_checkpoint`` metadata).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.predict import load_model
from microexp.states import STATES
from tests.conftest import ROOT
from tests.predict.helpers import FPS, paste, run_cli, write_folder, write_video

# ------------------------------------------------------------------------------ outputs


def test_video_gives_csv_json_plot_and_summary(
    ckpts: dict[str, Path], video: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "pred"
    code, stdout, stderr = run_cli(capsys, ckpts["joint"], video, "--out", out)
    assert code == 0, stderr
    model = load_model(ckpts["joint"], "cpu")
    assert model.frame_stride == 4 and model.classes[0] == "happiness"
    with (out / "intensity.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    header = ["frame", "time_s", "intensity", "state"] + [f"p_{c}" for c in model.classes]
    assert list(rows[0]) == header
    # 30 frames at stride 4: steps 0->4, ..., 24->28, each reported at its later frame
    assert [int(r["frame"]) for r in rows] == [4, 8, 12, 16, 20, 24, 28]
    assert float(rows[1]["time_s"]) == pytest.approx(8 / FPS)
    for r in rows:
        assert 0.0 <= float(r["intensity"]) <= 1.0 and r["state"] in STATES
        assert sum(float(r[f"p_{c}"]) for c in model.classes) == pytest.approx(1.0, abs=1e-4)
    report = json.loads((out / "intervals.json").read_text())
    assert report["frames"] == 30 and report["steps"] == 7 and report["fps"] == FPS
    assert report["frame_stride"] == 4 and report["classes"] == list(model.classes)
    assert report["clip"]["class"] in model.classes
    for iv in report["intervals"]:
        assert 4 <= iv["start"] <= iv["peak"] <= iv["end"] <= 28
        assert iv["class"] in model.classes and 0.0 <= iv["confidence"] <= 1.0
        assert iv["start_s"] == pytest.approx(iv["start"] / FPS)
    inside = {int(r["frame"]) for r in rows if r["state"] != "neutral"}
    spotted = {f for iv in report["intervals"] for f in range(iv["start"], iv["end"] + 1)}
    assert inside == spotted & {int(r["frame"]) for r in rows}
    # the face was found where it was pasted, and the crop is that face's grown box
    _, placed = paste(np.zeros((334, 266, 3), np.uint8))
    x0, y0, x1, y1 = report["crop"]["face"]
    assert placed.x0 <= (x0 + x1) / 2 <= placed.x1 and placed.y0 <= (y0 + y1) / 2 <= placed.y1
    assert (x1 - x0) * (y1 - y0) >= 0.2 * placed.area
    assert report["crop"]["box"] is not None
    assert (out / "fig2.png").stat().st_size > 10_000
    assert "30 frames, 200 fps" in stdout and "predicted 7 steps" in stdout
    assert str(out / "intervals.json") in stdout and not stderr.strip()


def test_frame_folder_keeps_file_numbers(
    ckpts: dict[str, Path], short_clip: list[np.ndarray], tmp_path: Path, capsys
) -> None:
    folder = write_folder(tmp_path / "frames", short_clip, first=100)
    (folder / "notes.txt").write_text("not a frame")
    out = tmp_path / "pred"
    code, stdout, stderr = run_cli(capsys, ckpts["joint"], folder, "--out", out, "--no-face")
    assert code == 0, stderr
    rows = list(csv.DictReader((out / "intensity.csv").open()))
    assert [int(r["frame"]) for r in rows] == [104, 108, 112, 116, 120, 124, 128]
    assert all(r["time_s"] == "" for r in rows)
    assert "ignored 1 entries that are not image files: notes.txt" in stdout
    report = json.loads((out / "intervals.json").read_text())
    assert report["crop"]["box"] is None and "--no-face" in report["crop"]["reason"]
    # --stride replaces the checkpoint's: 29 steps of one frame
    code, _, stderr = run_cli(capsys, ckpts["joint"], folder, "--out", out, "--stride", "1")
    assert code == 0, stderr
    rows = list(csv.DictReader((out / "intensity.csv").open()))
    assert [int(r["frame"]) for r in rows] == list(range(101, 130))


# ------------------------------------------------------------------------------ bad inputs


def _one_line_error(code: int, stdout: str, stderr: str, match: str) -> None:
    assert code == 2 and not stdout
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    assert match in lines[0], lines[0]


def _text_file(d: Path, c: list[np.ndarray]) -> Path:
    (d / "text.mp4").write_text("not a video")
    return d / "text.mp4"


def _empty_folder(d: Path, c: list[np.ndarray]) -> Path:
    (d / "empty").mkdir()
    (d / "empty" / "readme.txt").write_text("no frames here")
    return d / "empty"


def _broken_frame(d: Path, c: list[np.ndarray]) -> Path:
    folder = write_folder(d / "broken", c[:6])
    (folder / "reg_img4.png").write_bytes(b"x")  # frame 4: the second one the network reads
    return folder


def _blank_video(d: Path, c: list[np.ndarray]) -> Path:
    return write_video(d / "blank.mp4", [np.full((240, 320, 3), 90, np.uint8)] * 8)


BAD_INPUTS = {
    "missing file": (lambda d, c: d / "nope.mp4", "does not exist"),
    "unreadable video": (_text_file, "cannot read video"),
    "zero frames (video)": (lambda d, c: write_video(d / "empty.avi", [], "MJPG"), "zero frames"),
    "zero frames (folder)": (_empty_folder, "no image files"),
    "one frame (video)": (
        lambda d, c: write_video(d / "one.mp4", [paste(c[0])[0]]),
        "1 frame: at least 5 are needed",
    ),
    "one frame (folder)": (lambda d, c: write_folder(d / "one", c[:1]), "1 frame: at least 5"),
    "one frame (image)": (
        lambda d, c: write_folder(d / "x", c[:1]) / "reg_img0.png",
        "single image",
    ),
    "no face": (_blank_video, "no face found"),
    "undecodable frame": (_broken_frame, "cannot decode frame"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_clear_error(
    case: str, ckpts: dict[str, Path], short_clip, tmp_path: Path, capsys
) -> None:
    make, match = BAD_INPUTS[case]
    path = make(tmp_path, short_clip)
    code, stdout, stderr = run_cli(capsys, ckpts["joint"], path, "--out", tmp_path / "pred")
    _one_line_error(code, stdout, stderr, match)
    assert not (tmp_path / "pred" / "intensity.csv").exists()


def _damaged(ckpts: dict[str, Path], d: Path) -> Path:
    data = ckpts["joint"].read_bytes()
    (d / "cut.ckpt").write_bytes(data[: len(data) // 2])
    return d / "cut.ckpt"


def _junk(c: dict[str, Path], d: Path) -> Path:
    (d / "junk.ckpt").write_bytes(b"\x00junk" * 100)
    return d / "junk.ckpt"


def _other_width(src: Path, dst: Path) -> Path:
    ckpt = torch.load(src, map_location="cpu", weights_only=True)
    ckpt["microexp"]["net"]["width"] = 0.25
    torch.save(ckpt, dst)
    return dst


BAD_CHECKPOINTS = {
    "missing": (lambda c, d: d / "nope.ckpt", "does not exist"),
    "spatial stage": (lambda c, d: c["spatial"], "spatial-stage checkpoint, not a joint one"),
    "temporal stage": (lambda c, d: c["temporal"], "temporal-stage checkpoint, not a joint one"),
    "cut short": (_damaged, "cannot load checkpoint"),
    "not a checkpoint": (_junk, "cannot load checkpoint"),
    "weights of another shape": (
        lambda c, d: _other_width(c["joint"], d / "wide.ckpt"),
        "do not fit the network",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CHECKPOINTS))
def test_bad_checkpoint_is_one_clear_error(
    case: str, ckpts: dict[str, Path], video: Path, tmp_path: Path, capsys
) -> None:
    make, match = BAD_CHECKPOINTS[case]
    code, stdout, stderr = run_cli(capsys, make(ckpts, tmp_path), video, "--out", tmp_path)
    _one_line_error(code, stdout, stderr, match)


def test_command_line_entry_point(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "microexp.predict", tmp_path / "x.ckpt", tmp_path / "x.mp4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == f"error: input {tmp_path / 'x.mp4'} does not exist"
