"""A joint network trained by :func:`microexp.train.job.train` recovers the planted interval
of a new clip from an mp4 and from a frame folder (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microexp.data.synthetic import Distractors
from microexp.eval.spotting import Interval, match_intervals
from tests.conftest import composed, tiny_overrides
from tests.predict.helpers import paste, render, run_cli, write_folder, write_video

#: The recovery test's training set: sensor noise, but no blinks, head drift or flicker: with
#: those, 10 training clips do not teach spotting (held-out frame AUC about 0.5 after 60
#: epochs), while without any noise the network learns to answer to every temporal change and
#: an mp4's coding noise drowns the expression.
NOISE_ONLY = Distractors(blink=0.0, drift=0.0, rotation=0.0, flicker=0.0, noise=3.0)


@pytest.fixture(scope="module")
def trained_ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The joint network trained end to end by :func:`microexp.train.job.train` on 3 x 5 clips."""
    from microexp.data.synthetic import generate
    from microexp.train.job import train

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
