"""SIGKILL in the middle of an epoch, then ``ckpt_path=last``: the same result as never stopping.

Three ``train.py`` processes on the tiny set (joint stage, end to end, 3 epochs, CPU, same
seed): an uninterrupted run; a run killed with SIGKILL after the first batch of its second epoch
(its first epoch's ``last.ckpt`` on disk, the second epoch's first optimiser step already taken
and lost); and that run resumed with ``ckpt_path=last``, either in its own folder or in a new
one (found under ``paths.log_dir``). The resumed run must finish all 3 epochs with test metrics,
per-clip predictions and per-frame scores identical to the uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, tiny_overrides

pytestmark = pytest.mark.slow

EPOCHS = 3
KILL_AT = (1, 0)  # (epoch, batch): killed while pausing after this batch
TIMEOUT = 480.0


def _args(dataset: Path, cache: Path, out: Path, log_dir: Path, run: str) -> list[str]:
    args = [
        o
        for o in tiny_overrides(dataset, cache, out)
        if not o.startswith(("paths.log_dir=", "paths.output_dir="))
    ]
    return [
        *args,
        f"paths.log_dir={log_dir}",
        f"paths.output_dir={log_dir / run}",
        "data.flow_backend=opencv",
        "stage=joint",
        "stage.pretrained=none",
        f"epochs.joint={EPOCHS}",
        "trainer.limit_train_batches=null",  # 10 training clips, batches of 4: 3 per epoch
        "+callbacks.marker._target_=tests.reliability.marker.BatchMarker",
        f"+callbacks.marker.path={log_dir / (run + '.batches')}",
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _train(args: list[str], log: Path) -> None:
    with log.open("w") as fh:
        done = subprocess.run(
            [sys.executable, "train.py", *args],
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=_env(),
            timeout=TIMEOUT,
        )
    assert done.returncode == 0, log.read_text()[-3000:]


def _batches(path: Path) -> list[tuple[int, int]]:
    if not path.is_file():
        return []
    return [tuple(map(int, line.split())) for line in path.read_text().splitlines() if line]


def _run_and_kill(args: list[str], log_dir: Path, run: str) -> list[tuple[int, int]]:
    """Start train.py, SIGKILL it while it pauses after batch KILL_AT; returns the batches it
    finished."""
    marks = log_dir / f"{run}.batches"
    last = log_dir / run / "checkpoints" / "last.ckpt"
    pause = [
        *args,
        "+callbacks.marker.pause=600",
        f"+callbacks.marker.pause_at=[{KILL_AT[0]},{KILL_AT[1]}]",
    ]
    log = log_dir / f"{run}.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "train.py", *pause],
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
        try:
            deadline = time.monotonic() + TIMEOUT
            while KILL_AT not in _batches(marks):
                assert proc.poll() is None, f"exited early:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, "no progress"
                time.sleep(0.2)
            assert last.is_file()  # the first epoch's checkpoint
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=60) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    assert not (log_dir / run / "metrics.json").exists()
    return _batches(marks)


@pytest.fixture(scope="module")
def uninterrupted(
    tiny_dataset: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    log_dir = out / "outputs"
    log_dir.mkdir()
    _train(_args(tiny_dataset, cache_dir, out, log_dir, "full"), log_dir / "full.log")
    return log_dir / "full"


@pytest.mark.parametrize("resume_into", ["own folder", "new folder"])
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(
    resume_into: str, uninterrupted: Path, tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    log_dir = tmp_path / "outputs"
    log_dir.mkdir()
    args = _args(tiny_dataset, cache_dir, tmp_path, log_dir, "killed")
    finished = _run_and_kill(args, log_dir, "killed")
    assert finished[-1] == KILL_AT and (0, 2) in finished  # killed mid-epoch 1, after epoch 0

    run = "killed" if resume_into == "own folder" else "resumed"
    again = _args(tiny_dataset, cache_dir, tmp_path, log_dir, run)
    _train([*again, "ckpt_path=last"], log_dir / f"{run}-resume.log")

    full = json.loads((uninterrupted / "metrics.json").read_text())
    resumed = json.loads((log_dir / run / "metrics.json").read_text())
    assert resumed["resumed_from"] == str(log_dir / "killed" / "checkpoints" / "last.ckpt")
    assert full["resumed_from"] is None
    assert resumed["epochs"] == full["epochs"] == EPOCHS
    scores = sorted(k for k in full if k.startswith("test/"))
    assert scores and {k: resumed[k] for k in scores} == {k: full[k] for k in scores}
    for name in ("frames.csv", "predictions.csv"):
        assert (log_dir / run / name).read_text() == (uninterrupted / name).read_text(), name
    # the resumed process trained the rest: epoch 1 again from its start, then epoch 2
    batches = _batches(log_dir / f"{run}.batches")
    tail = batches[len(finished) :] if run == "killed" else batches
    assert tail == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
