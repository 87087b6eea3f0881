"""predict questions its inputs: the frame rate (steps spanning the training step's time), an
unfinished training run, intervals too long for a micro-expression, arguments swapped; and
registration's part in the outputs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.eval.spotting import Interval
from microexp.predict import load_model
from microexp.predict.prediction import long_intervals
from microexp.predict.rate import plan_steps
from microexp.predict.run_status import run_status
from tests.predict.helpers import run_cli, write_folder


def test_steps_span_the_training_time(ckpts: dict[str, Path]) -> None:
    model = load_model(ckpts["joint"], "cpu")  # 4 frames at 200 fps: 20 ms
    assert model.fps == 200.0 and model.frame_stride == 4
    exact = plan_steps(model, 200.0)
    assert exact.stride == 4 and not exact.warnings
    assert plan_steps(model, 100.0).stride == 2 and not plan_steps(model, 100.0).warnings
    slow = plan_steps(model, 30.0)  # one frame is 33 ms: no stride spans 20 ms
    assert slow.stride == 1 and "cannot match the training step" in slow.warnings[0]
    unknown = plan_steps(model, None)
    assert unknown.stride == 4 and "--fps" in unknown.warnings[0]
    old = plan_steps(dataclasses.replace(model, fps=None), 400.0)
    assert old.stride == 8 and "assuming 200 fps" in old.warnings[0]
    lag = dataclasses.replace(model, flow_reference="lag", flow_lag=8)  # 2 steps back
    assert plan_steps(lag, 100.0).apply(lag).flow_lag == 4


def test_long_intervals_are_warned_of() -> None:
    intervals = [Interval(0, 60), Interval(100, 220)]  # 0.3 s and 0.6 s at 200 fps
    warned = long_intervals(intervals, 200.0, 0.5)
    assert len(warned) == 1 and "frames 100-220 span 0.60 s" in warned[0]
    assert (
        long_intervals(intervals, 200.0, 1.0) == [] and long_intervals(intervals, None, 0.5) == []
    )


def test_unfinished_runs_are_recognised(ckpts: dict[str, Path], tmp_path: Path) -> None:
    ckpt = torch.load(ckpts["joint"], map_location="cpu", weights_only=True)
    ckpt["microexp"]["match"] = {"epochs": 10}
    ckpt["loops"] = {"fit_loop": {"epoch_progress": {"current": {"processed": 2}}}}
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    path = run / "checkpoints" / "last.ckpt"
    status = run_status(path, ckpt)
    assert (status.status, status.epochs_done, status.epochs_planned) == ("unfinished", 2, 10)
    assert "2 of 10 epochs" in (status.warning() or "")
    stopped = {"EarlyStopping{'monitor': 'val/uf1'}": {"wait_count": 5, "patience": 5}}
    assert run_status(path, {**ckpt, "callbacks": stopped}).finished  # stopped early: done
    ckpt["loops"]["fit_loop"]["epoch_progress"]["current"]["processed"] = 10
    assert run_status(path, ckpt).status == "finished"
    # the run folder's own word wins
    status_file = {"status": "interrupted", "epochs_done": 3, "epochs_planned": 10}
    (run / "run_status.json").write_text(json.dumps({**status_file, "stage": "joint"}))
    status = run_status(path, ckpt)
    assert status.status == "interrupted" and status.epochs_done == 3 and not status.finished


def test_summary_and_json_say_so(
    ckpts: dict[str, Path], short_clip, tmp_path: Path, capsys
) -> None:
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    ckpt = run / "checkpoints" / "last.ckpt"
    ckpt.write_bytes(ckpts["joint"].read_bytes())
    status = {"status": "interrupted", "epochs_done": 2, "epochs_planned": 10, "stage": "joint"}
    (run / "run_status.json").write_text(json.dumps(status))
    folder = write_folder(tmp_path / "frames", short_clip[:20])
    out = tmp_path / "pred"
    code, stdout, stderr = run_cli(capsys, ckpt, folder, "--out", out, "--no-face")
    assert code == 0, stderr
    assert "warning: the checkpoint comes from an unfinished run (interrupted, 2 of 10" in stdout
    assert "warning: the input's frame rate is unknown" in stdout  # a folder without --fps
    report = json.loads((out / "intervals.json").read_text())
    assert report["run"]["status"] == "interrupted" and report["run"]["epochs_done"] == 2
    assert any("unfinished run" in w for w in report["warnings"])
    assert report["registration"]["method"] in ("points", "ecc")
    assert report["registration"]["frames"] == 5  # the chain frames 0, 4, ..., 16
    # --fps 100: a step of 2 frames spans the training step's 20 ms; no rate warning
    code, stdout, _ = run_cli(capsys, ckpt, folder, "--out", out, "--no-face", "--fps", "100")
    report = json.loads((out / "intervals.json").read_text())
    assert report["frame_stride"] == 2 and report["step"]["ms"] == pytest.approx(20.0)
    assert "frame rate is unknown" not in stdout and report["fps"] == 100.0
    code, stdout, _ = run_cli(capsys, ckpt, folder, "--out", out, "--no-face", "--no-register")
    report = json.loads((out / "intervals.json").read_text())
    assert report["registration"] == {"method": "off", "text": report["registration"]["text"]} | {
        "notes": []
    }


@pytest.mark.parametrize(
    "swap", ["video first", "folder first", "checkpoint second", "weights of other code"]
)
def test_wrong_arguments_get_a_usage_line(
    swap: str, ckpts: dict[str, Path], video: Path, tmp_path: Path, capsys
) -> None:
    if swap == "video first":
        args = [video, ckpts["joint"]]
    elif swap == "folder first":
        args = [tmp_path, tmp_path]
    elif swap == "checkpoint second":
        args = [ckpts["joint"], ckpts["spatial"]]
    else:  # pickled objects: torch's advice to load unsafely must not reach the user
        torch.save({"state": np.zeros(3)}, tmp_path / "np.ckpt")
        args = [tmp_path / "np.ckpt", video]
    code, stdout, stderr = run_cli(capsys, *args, "--out", tmp_path / "pred")
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2 and not stdout and len(lines) == 1 and lines[0].startswith("error: ")
    assert "weights_only" not in stderr and "Traceback" not in stderr
    if swap != "weights of other code":
        assert "usage: python -m microexp.predict CKPT INPUT" in lines[0]
    else:
        assert "cannot load checkpoint" in lines[0]
