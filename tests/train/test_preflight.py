"""Validate before work: every setting that can be checked from the config, the machine and the
file system fails in one line before any data is generated, decoded or any flow computed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from microexp.checkpoints import CheckpointError
from microexp.data.records import DataFormatError
from microexp.train.config import ConfigError
from microexp.train.job import train
from tests.checkpoint_files import fake_checkpoint
from tests.conftest import ROOT, composed, tiny_overrides


def _fresh(tmp_path: Path) -> list[str]:
    """Overrides whose data would be generated and cached on first use, under ``tmp_path``."""
    return [
        *tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path),
        "data.synthetic={subjects: 3, clips: 5, seed: 0}",
    ]


def _nothing_prepared(tmp_path: Path) -> None:
    assert not (tmp_path / "set").exists(), "the synthetic set was generated"
    assert not (tmp_path / "cache").exists(), "frames or flow were cached"


def _refused(overrides: list[str], error: type[Exception], message: str) -> None:
    with composed(overrides) as cfg, pytest.raises(error, match=message):
        train(cfg)


def _no_gpu(monkeypatch: pytest.MonkeyPatch, count: int = 0) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        (["stage.pretrained=bogus"], ConfigError, "stage.pretrained must be one of auto, paths"),
        (["stage.pretrained=paths"], ConfigError, "needs stage.spatial_ckpt and stage.temporal"),
        (["stage.spatial_ckpt=/nope/s.ckpt"], ConfigError, "stage.spatial_ckpt=/nope/s.ckpt"),
        (["ckpt_path=/nope/last.ckpt"], ConfigError, "ckpt_path=/nope/last.ckpt does not exist"),
        (["data.balance=bogus"], ConfigError, "data: balance must be one of"),
    ],
)
def test_bad_settings_stop_before_any_data(
    overrides: list[str], error: type[Exception], message: str, tmp_path: Path
) -> None:
    _refused([*_fresh(tmp_path), "stage=joint", *overrides], error, message)
    _nothing_prepared(tmp_path)


def test_a_checkpoint_of_another_stage_stops_before_any_data(tmp_path: Path) -> None:
    temporal = fake_checkpoint(tmp_path / "t.ckpt", stage="temporal")
    spatial = fake_checkpoint(tmp_path / "s.ckpt", stage="spatial")
    swapped = [f"stage.spatial_ckpt={temporal}", f"stage.temporal_ckpt={spatial}"]
    _refused(
        [*_fresh(tmp_path), "stage=joint", *swapped],
        CheckpointError,
        f"checkpoint {temporal} is a temporal-stage checkpoint, not a spatial one",
    )
    damaged = tmp_path / "d.ckpt"
    damaged.write_bytes(b"not a checkpoint")
    _refused(
        [*_fresh(tmp_path), "stage=spatial", f"ckpt_path={damaged}"],
        CheckpointError,
        f"cannot load checkpoint {damaged}: damaged",
    )
    _nothing_prepared(tmp_path)


def test_a_gpu_trainer_without_a_gpu_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_gpu(monkeypatch)
    cases = [
        (["experiment=paper"], "experiment=paper selects trainer=gpu and no GPU is visible: add "),
        (["trainer=gpu"], "trainer=gpu asks for a GPU and no GPU is visible: add trainer=cpu"),
        (["data.flow_device=cuda"], "data.flow_device=cuda and no GPU is visible"),
    ]
    for overrides, message in cases:
        _refused([*_fresh(tmp_path), *overrides], ConfigError, message)
    _no_gpu(monkeypatch, count=1)
    _refused(
        [*_fresh(tmp_path), "trainer=gpu", "trainer.devices=2"],
        ConfigError,
        "trainer.devices=2 asks for 2 GPUs and 1 is",
    )
    _nothing_prepared(tmp_path)


def test_a_release_that_cannot_be_read_stops_before_any_frame(
    tiny_dataset: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    base = tiny_overrides(empty, tmp_path / "cache", tmp_path)
    _refused(base, DataFormatError, "no CASME II coding sheet under")
    # a fold the release does not have (3 subjects: folds 0-2)
    _refused(
        [*tiny_overrides(tiny_dataset, tmp_path / "cache", tmp_path), "split.fold=3"],
        DataFormatError,
        "cannot make the loso split .* 3 subjects",
    )
    assert not (tmp_path / "cache").exists()


def test_cli_gpu_error_is_one_line_before_any_data(tmp_path: Path) -> None:
    env = os.environ | {"CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run(
        [sys.executable, "train.py", *_fresh(tmp_path), "experiment=paper"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 1, out.stderr[-2000:]
    assert out.stderr.strip().splitlines() == [
        "error: experiment=paper selects trainer=gpu and no GPU is visible: add trainer=cpu"
    ]
    assert "no GPU is visible" not in out.stdout  # said once
    _nothing_prepared(tmp_path)


def test_preflight_reads_a_long_video_release_already_on_disk(tmp_path: Path) -> None:
    from microexp.data.synthetic import generate_videos
    from microexp.data.video_datamodule import VideoDataModule
    from microexp.train.preflight import check_data

    root = tmp_path / "casme_sq"
    generate_videos(root, layout="casme_sq", subjects=2, videos=1, minutes=0.04, progress=False)
    # a second run on a set already written (the first one generates it and skips the check)
    check_data(VideoDataModule(str(root), cache_dir=str(tmp_path / "cache"), progress=False))
