"""Inputs for the inference tests: clips of the synthetic generator's first subject as videos
and frame folders, and checkpoints saved exactly as a training run saves them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from microexp.data.face import Box
from microexp.data.synthetic import ClipSpec, Distractors, plan_casme2, render_clip
from microexp.data.synthetic.actions import Move
from microexp.predict.cli import main
from tests.conftest import composed, tiny_overrides

CANVAS = (640, 480)  # (width, height) of the test videos, like CASME II's raw frames
FPS = 200.0
NONE = Distractors.none()


def render(n_frames: int, onset: int, apex: int, offset: int, seed: int = 7) -> list[np.ndarray]:
    """A new clip of the synthetic generator's first subject (RGB frames at crop size)."""
    faces = plan_casme2(3, 5, seed=0, quirks=False, scale=1.0).faces  # at the release's size
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
        moves=tuple(Move(au, side, 1.0, 0.0, 0.0, 0.0, 1.0) for au in (6, 12) for side in "LR"),
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

    from microexp.train.config import run_meta

    overrides = tiny_overrides(out / "data", out / "cache", out)
    with composed([*overrides, f"stage={stage}", "data.flow_backend=opencv"]) as cfg:
        model = hydra.utils.instantiate(cfg.model)
        # the metadata microexp.train sets (the slow test checks a real training run's)
        model.meta = run_meta(cfg, fps=FPS)
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
