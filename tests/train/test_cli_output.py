"""What train.py prints and leaves behind: a quiet stderr, each error once, run folders marked
finished, failed or interrupted, and Ctrl-C that stops at once without leaking anything."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from microexp.checkpoints import RUN_STATUS_FILE, read_run_status
from microexp.train.config import ConfigError
from microexp.train.job import train
from tests.conftest import ROOT, composed, tiny_overrides

#: What third-party code prints on stderr unless the project silences it.
NOISE = (
    "litlogger",
    "LeafSpec",
    "No CUDA runtime is found",
    "exists and is not empty",
    "across ranks is zero",
    "smaller than the logging interval",
    "GPU available",
    "Traceback",
)


def _cli(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "train.py", *args], cwd=ROOT, capture_output=True, text=True, **kwargs
    )


def test_a_tiny_run_keeps_stderr_quiet_and_marks_its_folder_finished(
    tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    overrides = tiny_overrides(tiny_dataset, cache_dir, tmp_path)
    out = _cli([*overrides, "data.flow_backend=opencv", "stage=spatial"])
    assert out.returncode == 0, out.stderr[-3000:]
    for noise in NOISE:
        assert noise not in out.stderr, (noise, out.stderr[-3000:])
    assert "GPU available" in out.stdout  # Lightning's notes go to the run's log instead
    status = json.loads((tmp_path / "outputs/run" / RUN_STATUS_FILE).read_text())
    assert status == {
        "status": "finished",
        "epochs_done": 1,
        "epochs_planned": 1,
        "stage": "spatial",
    }


def test_a_failed_run_is_marked_and_its_error_said_once(tmp_path: Path) -> None:
    overrides = tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path)
    with composed([*overrides, "stage.pretrained=bogus"]) as cfg, pytest.raises(ConfigError):
        train(cfg)
    status = read_run_status(tmp_path / "outputs/run")
    assert status is not None and status["status"] == "failed"
    assert "stage.pretrained must be one of" in status["error"]
    out = _cli([*overrides, "stage.pretrained=bogus"])
    assert out.returncode == 1
    said = (out.stdout + out.stderr).count("stage.pretrained must be one of")
    assert said == 1 and out.stderr.startswith("error: stage.pretrained"), (out.stdout, out.stderr)
    (log_file,) = (tmp_path / "outputs/train/runs").glob("*/train.log")  # Hydra's run folder
    assert "stage.pretrained must be one of" in log_file.read_text()  # kept in the run's log


@pytest.mark.slow  # about 3 minutes on 2 busy cores: a set generated, worker processes started
def test_ctrl_c_while_the_flow_fills_stops_at_once_without_leaks(tmp_path: Path) -> None:
    overrides = [
        *tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path),
        "data.synthetic={subjects: 2, clips: 2, seed: 0}",
        "data.flow_backend=opencv",
    ]
    proc = subprocess.Popen(
        [sys.executable, "train.py", *overrides],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    flow = tmp_path / "cache" / "flow"
    deadline = time.monotonic() + 300
    while not flow.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert proc.poll() is None, proc.stderr.read()
    time.sleep(3)  # the workers are computing
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group
    start = time.monotonic()
    _, err = proc.communicate(timeout=120)
    assert time.monotonic() - start < 60, "the run kept computing after Ctrl-C"
    assert proc.returncode == 130, err[-3000:]
    assert "leaked" not in err and "interrupted (SIGINT)" in err, err[-3000:]
    assert _alive_in_group(proc.pid) == [], "worker processes left behind"
    assert read_run_status(tmp_path / "outputs/run")["status"] == "interrupted"


def _alive_in_group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that are not zombies (Linux /proc)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def test_the_cuda_probe_is_silenced_where_the_flow_compiles(caplog) -> None:
    from microexp.flow.compiled import MaybeCompiled

    MaybeCompiled(lambda x: x, enabled=True)
    probe = logging.getLogger("torch.utils.cpp_extension")
    with caplog.at_level(logging.WARNING):
        probe.warning("No CUDA runtime is found, using CUDA_HOME='%s'", "/usr/local")
        probe.warning("Error checking compiler version")  # a real warning still shows
    assert [r.getMessage() for r in caplog.records] == ["Error checking compiler version"]
