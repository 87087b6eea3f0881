"""``--live``: a video played in real time as a stream (frames dropped when behind, counted),
the same intervals as offline when nothing is dropped, notes for a face that leaves the
picture, clear errors for a stream without frames."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from microexp.predict import Predictor, load_model
from microexp.predict.camera import LiveSource
from microexp.predict.live import LiveSession, run_live
from tests.predict.helpers import CANVAS, paste, run_cli, write_folder, write_video


class FrameList:
    """A stream that hands over every frame at once (no clock, nothing dropped): the
    session's logic without the timing of a real source."""

    kind, name, dropped, stalled, stall_s = "video", "frames", 0, False, 5.0

    def __init__(self, frames: list[np.ndarray], fps: float) -> None:
        self.frames, self.fps, self.frames_read = frames, fps, 0
        self._items: list = []

    def first(self) -> np.ndarray:
        self.frames_read = 1
        return self.frames[0]

    def start(self, stride: int = 1) -> None:
        self._items = [(n, self.frames[n], 0.0) for n in range(stride, len(self.frames), stride)]
        self.frames_read = len(self.frames)

    def get(self):
        return self._items.pop(0) if self._items else None

    def stop(self) -> None:
        pass


def _session(predictor: Predictor, frames: list[np.ndarray], fps: float) -> list[dict]:
    lines: list[dict] = []
    LiveSession(predictor, FrameList(frames, fps), lines.append).run()  # type: ignore[arg-type]
    return lines


def test_live_equals_offline_when_nothing_is_dropped(
    ckpts: dict[str, Path], short_clip, tmp_path: Path
) -> None:
    frames = [paste(f)[0] for f in short_clip]
    model = load_model(ckpts["joint"], "cpu")
    offline = Predictor(model, fps=200.0).run(write_folder(tmp_path / "f", frames))
    lines = _session(Predictor(model, chunk=3), frames, 200.0)
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "end"
    end = lines[-1]
    assert end["steps"] == offline.steps == 7 and end["dropped"] == 0 and end["frames"] == 30
    live = [
        (d["start"], d["end"], d["peak"], d["class"]) for d in lines if d["event"] == "interval"
    ]
    assert live == [
        (iv.start, iv.end, iv.peak, model.classes[iv.label]) for iv in offline.intervals
    ]
    assert end["intervals"] == len(live)


def test_face_leaving_the_picture_is_a_note(ckpts: dict[str, Path], short_clip) -> None:
    face = [paste(f)[0] for f in short_clip[:10]]
    rng = np.random.default_rng(0)
    background = np.full((CANVAS[1], CANVAS[0], 3), (118, 126, 134), np.float64)
    blank = [  # a camera's sensor noise: no two frames alike
        np.clip(background + rng.normal(0, 2, background.shape), 0, 255).astype(np.uint8)
        for _ in range(20)
    ]
    frames = face + blank + [paste(f)[0] for f in short_clip[10:20]]
    # 20 fps: a step of 1 frame; the face counts as gone after 0.5 s = 10 steps
    lines = _session(Predictor(load_model(ckpts["joint"], "cpu"), chunk=4), frames, 20.0)
    events = [(d["event"], d.get("frame")) for d in lines if d["event"].startswith("face")]
    assert events[0] == ("face_lost", 19) and events[1][0] == "face_found"
    assert 30 <= events[1][1] <= 33
    end = lines[-1]
    assert end["face_lost"] == 1 and any("face lost in" in n for n in end["notes"])
    warnings = [d["message"] for d in lines if d["event"] == "warning"]
    assert any("cannot match the training step" in w for w in warnings)  # 50 ms steps


def test_video_played_in_real_time_drops_what_it_cannot_process(
    ckpts: dict[str, Path], short_clip, tmp_path: Path
) -> None:
    frames = [paste(f)[0] for f in short_clip] * 2  # 60 frames
    path = write_video(tmp_path / "clip.mp4", frames)
    # at 1000 fps a step is 20 frames (20 ms): 3 chain frames come every 60 ms, far faster
    # than TV-L1 and the network run step by step
    lines: list[dict] = []
    predictor = Predictor(load_model(ckpts["joint"], "cpu"), chunk=1, fps=1000.0)
    end = run_live(predictor, str(path), lines.append)
    assert end["frames"] == 60 and lines[-1] == end
    chain = len(range(0, 60, 20))
    assert end["steps"] + 1 + end["dropped"] == chain
    # 1000 fps: 60 frames played in 60 ms; the first frame arrives before any processing
    source = LiveSource(str(path), fps=50.0, queue=1)
    assert source.fps == 50.0 and source.first().shape == (CANVAS[1], CANVAS[0], 3)
    source.start(stride=1)
    got = []
    while (item := source.get()) is not None:
        got.append(item[0])
        if len(got) == 1:
            import time

            time.sleep(0.5)  # behind by 25 frames: all but the newest waiting one dropped
    source.stop()
    assert source.dropped >= 20 and source.frames_read == 60
    assert got == sorted(got) and got[-1] == 59 and len(got) + source.dropped == 59


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda d: write_video(d / "empty.avi", [], "MJPG"), "gives no frames"),
        (lambda d: d / "nope.mp4", "neither a camera index"),
        (lambda d: "97", "cannot open camera 97"),
    ],
)
def test_live_errors_are_one_line(make, match: str, ckpts, tmp_path: Path, capsys) -> None:
    code, stdout, stderr = run_cli(capsys, ckpts["joint"], make(tmp_path), "--live")
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2 and not stdout and len(lines) == 1 and match in lines[0], stderr


def test_live_command_prints_json_lines(ckpts, short_clip, tmp_path: Path, capsys) -> None:
    path = write_video(tmp_path / "clip.mp4", [paste(f)[0] for f in short_clip[:9]])
    code, stdout, stderr = run_cli(capsys, ckpts["joint"], path, "--live", "--fps", "100")
    assert code == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "end"
    assert lines[-1]["frames"] == 9
