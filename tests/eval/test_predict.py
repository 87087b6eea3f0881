"""``python -m microexp.eval.predict``: a video or a frame folder in; intensity.csv,
intervals.json and fig2.png out; one clear error for every bad input.

The fast tests use an untrained joint network saved by Lightning exactly as a training run saves
it (the real LightningModule from the composed config, ``on_save_checkpoint`` metadata); the
slow test trains one with :func:`microexp.train.train` and checks that the planted interval of a
new clip is recovered from an mp4 and from a frame folder.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from microexp.data.face import Box
from microexp.data.synthetic import ClipSpec, Distractors, plan, render_clip
from microexp.eval.predict import (
    PredictError,
    choose_crop,
    load_model,
    main,
    predict_frames,
    to_network,
)
from microexp.eval.spotting import Interval, match_intervals
from microexp.states import STATES
from tests.conftest import ROOT, composed, tiny_overrides

CANVAS = (640, 480)  # (width, height) of the test videos, like CASME II's raw frames
FPS = 200.0
NONE = Distractors.none()


# ------------------------------------------------------------------------------ helpers


def render(n_frames: int, onset: int, apex: int, offset: int, seed: int = 7) -> list[np.ndarray]:
    """A new clip of the synthetic generator's first subject (RGB frames at crop size)."""
    faces, _ = plan(3, 5, 0)
    spec = ClipSpec(
        subject_index=0,
        subject="sub01",
        episode="EP99_01",
        emotion="happiness",
        action_units="12",
        first_frame=0,
        n_frames=n_frames,
        onset=onset,
        apex=apex,
        offset=offset,
        magnitude=1.5,
        seed=seed,
    )
    frames, _ = render_clip(spec, faces[0], NONE)
    return frames


def paste(face: np.ndarray) -> tuple[np.ndarray, Box]:
    """The face in the middle of a plain 640x480 frame, and where it is."""
    w, h = CANVAS
    canvas = np.full((h, w, 3), (118, 126, 134), np.uint8)
    fh, fw = face.shape[:2]
    y0, x0 = (h - fh) // 2, (w - fw) // 2
    canvas[y0 : y0 + fh, x0 : x0 + fw] = face
    return canvas, Box(x0, y0, x0 + fw, y0 + fh)


def write_video(path: Path, frames: list[np.ndarray], fourcc: str = "mp4v") -> Path:
    h, w = frames[0].shape[:2] if frames else (CANVAS[1], CANVAS[0])
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, (w, h))
    assert writer.isOpened()
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_folder(path: Path, frames: list[np.ndarray], first: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for k, frame in enumerate(frames):
        cv2.imwrite(str(path / f"reg_img{first + k}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path


def save_untrained(stage: str, out: Path) -> Path:
    """A checkpoint of ``stage`` as training saves it, without training (fast)."""
    import hydra
    import pytorch_lightning as pl

    from microexp.train import checkpoint_meta  # also registers the config's resolvers

    overrides = tiny_overrides(out / "data", out / "cache", out)
    with composed([*overrides, f"stage={stage}", "data.flow_backend=opencv"]) as cfg:
        model = hydra.utils.instantiate(cfg.model)
        # the metadata microexp.train sets (the slow test checks a real training run's)
        model.meta = checkpoint_meta(cfg)
    trainer = pl.Trainer(
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        max_epochs=0,
    )
    trainer.strategy.connect(model)
    path = out / f"{stage}.ckpt"
    trainer.save_checkpoint(path)
    return path


def run_cli(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args] + ["--no-progress", "--device", "cpu"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ckpts")
    return {stage: save_untrained(stage, out) for stage in ("joint", "spatial", "temporal")}


@pytest.fixture(scope="module")
def short_clip() -> list[np.ndarray]:
    """30 frames of a face (crop size); every test input below is made from it."""
    return render(30, onset=10, apex=15, offset=22)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory, short_clip: list[np.ndarray]) -> Path:
    folder = tmp_path_factory.mktemp("video")
    return write_video(folder / "clip.mp4", [paste(f)[0] for f in short_clip])


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


def test_face_crop_rule(short_clip: list[np.ndarray]) -> None:
    face = short_clip[0]
    on_canvas, placed = paste(face)
    crop = choose_crop(on_canvas)
    assert crop.box is not None and crop.face is not None
    cx, cy = (crop.box.x0 + crop.box.x1) / 2, (crop.box.y0 + crop.box.y1) / 2
    assert placed.x0 < cx < placed.x1 and placed.y0 < cy < placed.y1
    assert crop.box.area > crop.face.area  # the face box grown by the margin
    # an already-cropped face (portrait, face filling it) is used whole
    whole = choose_crop(face)
    assert whole.box is None and whole.face is not None and "already a face crop" in whole.reason
    assert choose_crop(on_canvas, detect=False).box is None
    with pytest.raises(PredictError, match="no face found.*--no-face"):
        choose_crop(np.full((240, 320, 3), 128, np.uint8))


def test_chunks_carry_the_gru_state(ckpts: dict[str, Path], short_clip) -> None:
    model = load_model(ckpts["joint"], "cpu")
    whole = predict_frames(model, short_clip, chunk=64)
    for chunk in (1, 3):
        parts = predict_frames(model, iter(short_clip), chunk=chunk)  # a stream, not a list
        np.testing.assert_array_equal(parts.frame_numbers, whole.frame_numbers)
        np.testing.assert_allclose(parts.intensity, whole.intensity, atol=1e-5)
        np.testing.assert_allclose(parts.probs, whole.probs, atol=1e-5)
    # an untrained GRU still depends on its state: starting it afresh changes the outputs
    later = predict_frames(model, short_clip[8:], numbers=range(8, 30), chunk=64)
    assert not np.allclose(later.intensity, whole.intensity[2:], atol=1e-5)


def test_torch_flow_backend(ckpts: dict[str, Path], short_clip) -> None:
    """The default configuration's flow backend (eager here: compiling takes minutes)."""
    model = load_model(ckpts["joint"], "cpu")
    model.flow_backend = "torch"
    pred = predict_frames(model, short_clip[:13])
    assert pred.steps == 3 and pred.frames == 13
    assert np.isfinite(pred.intensity).all() and np.allclose(pred.probs.sum(1), 1.0, atol=1e-5)


def test_same_numbers_as_the_training_evaluation(ckpts: dict[str, Path], short_clip) -> None:
    """predict_frames == WholeClips (flow at the stride, float16, head motion) + infer_clip."""
    from microexp.data.records import Clip
    from microexp.data.store import PreparedClip
    from microexp.data.windows import WholeClips, collate
    from microexp.flow import compute_flow
    from microexp.models.joint import infer_clip

    model = load_model(ckpts["joint"], "cpu")
    s, n = model.frame_stride, len(short_clip)
    frames = np.stack([to_network(f, None, model.image_size) for f in short_clip])
    flow = compute_flow(
        torch.from_numpy(frames[:-s]),
        torch.from_numpy(frames[s:]),
        "opencv",
        params=model.flow_params,
    )
    numbers = np.arange(200, 200 + n)
    clip = Clip("sub01", "EP99_01", [], list(numbers), 210, 215, 222, "happiness", 0)
    zeros = np.zeros(n)
    flow16 = flow.numpy().astype(np.float16)  # what the flow cache stores
    nothing = (zeros, zeros.astype(np.int64), zeros.astype(bool))
    data = PreparedClip(
        clip, frames, numbers, *nothing, flow=flow16, region=np.zeros((64, 64), bool)
    )
    batch = collate([WholeClips([data], stride=s, compensate=model.compensate_head)[0]])
    probs, intensity, _ = infer_clip(model.net, batch["frames"], batch["flow"], chunk=64)
    steps = int(batch["valid"].sum())
    pred = predict_frames(model, short_clip, numbers=numbers)
    np.testing.assert_array_equal(pred.frame_numbers, batch["frame_numbers"][0, 1 : steps + 1])
    np.testing.assert_allclose(pred.intensity, intensity[0, :steps].numpy(), atol=1e-6)
    np.testing.assert_allclose(pred.probs, probs[0, :steps].numpy(), atol=1e-6)


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
    "spatial stage": (lambda c, d: c["spatial"], "checkpoint of the spatial stage"),
    "temporal stage": (lambda c, d: c["temporal"], "checkpoint of the temporal stage"),
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


def test_cuda_asked_for_but_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    from microexp.eval.predict import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(PredictError, match="no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(PredictError, match="unknown device"):
        resolve_device("tpu")
    assert resolve_device(None) == torch.device("cpu")


def test_command_line_entry_point(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "microexp.eval.predict", tmp_path / "x.ckpt", tmp_path / "x.mp4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == f"error: input {tmp_path / 'x.mp4'} does not exist"


# ------------------------------------------------------------------------------ recovery


#: The recovery test's training set: sensor noise, but no blinks, head drift or flicker: with
#: those, 10 training clips do not teach spotting (held-out frame AUC about 0.5 after 60
#: epochs), while without any noise the network learns to answer to every temporal change and
#: an mp4's coding noise drowns the expression.
NOISE_ONLY = Distractors(blink=0.0, drift=0.0, rotation=0.0, flicker=0.0, noise=3.0)


@pytest.fixture(scope="module")
def trained_ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The joint network trained end to end by :func:`microexp.train.train` on 3 x 5 clips."""
    from microexp.data.synthetic import generate
    from microexp.train import train

    out = tmp_path_factory.mktemp("trained")
    root = out / "casme2"
    generate(root, subjects=3, clips=5, seed=0, workers=2, progress=False, distractors=NOISE_ONLY)
    overrides = [
        *tiny_overrides(root, out / "cache", out),
        "data.flow_backend=opencv",
        "stage=joint",
        "stage.pretrained=none",
        "epochs.joint=30",
        "data.copies=8",
        "data.seq_len=14",
        "trainer.limit_train_batches=null",
    ]
    with composed(overrides) as cfg:
        train(cfg)
    return Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"


@pytest.mark.slow
def test_recovers_the_planted_interval(trained_ckpt: Path, tmp_path: Path, capsys) -> None:
    """About 7 minutes on 2 busy CPU cores (training 30 epochs: nearly all of it)."""
    # a new clip of the held-out subject (LOSO fold 0 leaves sub01 out): frames 36-64 of 96
    onset, apex, offset = 36, 48, 64
    frames = render(96, onset, apex, offset, seed=7)
    inputs = {
        "video": (write_video(tmp_path / "clip.mp4", [paste(f)[0] for f in frames]), 0),
        "folder": (write_folder(tmp_path / "frames", frames, first=101), 101),
    }
    for name, (path, first) in inputs.items():
        out = tmp_path / name
        code, stdout, stderr = run_cli(capsys, trained_ckpt, path, "--out", out)
        assert code == 0, stderr
        report = json.loads((out / "intervals.json").read_text())
        truth = Interval(first + onset, first + offset)
        spotted = [
            Interval(iv["start"], iv["end"], score=iv["score"]) for iv in report["intervals"]
        ]
        assert spotted, f"{name}: nothing spotted\n{stdout}"
        best = max(spotted, key=lambda iv: iv.score)
        assert best.iou(truth) >= 0.5, f"{name}: {best} vs {truth}\n{stdout}"
        assert match_intervals(spotted, [truth]).tp == 1
        if name == "folder":  # a face crop already: used whole, as training used its frames
            assert "already a face crop" in report["crop"]["reason"]
