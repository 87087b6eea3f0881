"""Damaged checkpoints: a clear error naming the file before training starts, never a traceback.

A checkpoint reaches a run three ways: ``ckpt_path=FILE``, ``ckpt_path=last`` (the run's own
``last.ckpt`` or the newest matching one under ``paths.log_dir``) and, for the joint stage,
``stage.spatial_ckpt`` / ``stage.temporal_ckpt``. Each is checked with a ``weights_only`` load
first: a file cut short, random bytes, an empty file, a pickle of something else, a weights-only
file where a resumable checkpoint is needed, or another stage's checkpoint.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microexp.checkpoints import CheckpointError
from microexp.train.config import ConfigError
from microexp.train.job import train
from tests.checkpoint_files import BAD, cut, fake_checkpoint
from tests.conftest import ROOT, composed, tiny_overrides


@pytest.fixture
def overrides(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> list[str]:
    return [
        *tiny_overrides(tiny_dataset, cache_dir, tmp_path),
        "data.flow_backend=opencv",
        "stage=joint",
    ]


@pytest.mark.parametrize("kind", ["cut short", "random bytes", "a list"])
def test_bad_ckpt_path_stops_before_training(
    kind: str, overrides: list[str], tmp_path: Path
) -> None:
    bad = BAD[kind][0](tmp_path / "bad.ckpt")
    with (
        composed([*overrides, "stage.pretrained=none", f"ckpt_path={bad}"]) as cfg,
        pytest.raises(CheckpointError, match=re.escape(f"checkpoint {bad}")),
    ):
        train(cfg)
    assert not (Path(cfg.paths.output_dir) / "metrics.json").exists()


def test_other_stage_checkpoint_as_ckpt_path(overrides: list[str], tmp_path: Path) -> None:
    spatial = fake_checkpoint(tmp_path / "spatial.ckpt", stage="spatial")
    with (
        composed([*overrides, "stage.pretrained=none", f"ckpt_path={spatial}"]) as cfg,
        pytest.raises(CheckpointError, match="spatial-stage checkpoint, not a joint one"),
    ):
        train(cfg)


def test_damaged_last_ckpt_found_by_ckpt_path_last(overrides: list[str], tmp_path: Path) -> None:
    """``ckpt_path=last``: none yet is a clear error; a damaged one in the run's own folder or
    in a matching run under ``paths.log_dir`` is named."""
    base = [*overrides, "stage.pretrained=none", "ckpt_path=last"]
    with (
        composed(base) as cfg,
        pytest.raises(ConfigError, match="ckpt_path=last: no last.ckpt of a matching joint run"),
    ):
        train(cfg)
    run = Path(cfg.paths.output_dir)
    own = cut(run / "checkpoints" / "last.ckpt")
    with (
        composed(base) as cfg,
        pytest.raises(CheckpointError, match=re.escape(f"checkpoint {own}: damaged")),
    ):
        train(cfg)
    # another run folder under log_dir with matching meta.json and a damaged last.ckpt
    other = Path(cfg.paths.log_dir) / "interrupted" / "checkpoints"
    other.mkdir(parents=True)
    shutil.copy(run / "checkpoints" / "meta.json", other / "meta.json")
    shutil.move(own, other / "last.ckpt")
    elsewhere = [o for o in base if not o.startswith("paths.output_dir=")]
    elsewhere.append(f"paths.output_dir={tmp_path / 'outputs' / 'resumed'}")
    with (
        composed(elsewhere) as cfg,
        pytest.raises(
            CheckpointError, match=re.escape(f"checkpoint {other / 'last.ckpt'}: damaged")
        ),
    ):
        train(cfg)


@pytest.mark.parametrize("which", ["spatial", "temporal"])
def test_damaged_backbone_checkpoint(which: str, overrides: list[str], tmp_path: Path) -> None:
    good = {
        "spatial": fake_checkpoint(tmp_path / "s.ckpt", "spatial"),
        "temporal": fake_checkpoint(tmp_path / "t.ckpt", "temporal"),
    }
    good[which] = cut(tmp_path / f"{which}-cut.ckpt")
    with (
        composed(
            [
                *overrides,
                "stage.pretrained=paths",
                f"stage.spatial_ckpt={good['spatial']}",
                f"stage.temporal_ckpt={good['temporal']}",
            ]
        ) as cfg,
        pytest.raises(CheckpointError, match=re.escape(f"checkpoint {good[which]}: damaged")),
    ):
        train(cfg)


def test_backbone_checkpoints_swapped_or_unfit(overrides: list[str], tmp_path: Path) -> None:
    spatial = fake_checkpoint(tmp_path / "s.ckpt", "spatial")
    temporal = fake_checkpoint(tmp_path / "t.ckpt", "temporal")
    swapped = [
        *overrides,
        "stage.pretrained=paths",
        f"stage.spatial_ckpt={temporal}",
        f"stage.temporal_ckpt={spatial}",
    ]
    with (
        composed(swapped) as cfg,
        pytest.raises(CheckpointError, match="t.ckpt is a temporal-stage"),
    ):
        train(cfg)
    # the right stages, but weights of another network (here: one made-up tensor)
    unfit = [
        *overrides,
        "stage.pretrained=paths",
        f"stage.spatial_ckpt={spatial}",
        f"stage.temporal_ckpt={temporal}",
    ]
    with composed(unfit) as cfg, pytest.raises(ConfigError, match="do not fit this network"):
        train(cfg)


def _cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "train.py", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.slow
@pytest.mark.parametrize("route", ["ckpt_path", "spatial_ckpt", "ckpt_path=last"])
def test_cli_damaged_checkpoint_exits_1_without_traceback(
    route: str, overrides: list[str], tmp_path: Path
) -> None:
    bad = cut(tmp_path / "bad.ckpt")
    if route == "ckpt_path":
        extra = ["stage.pretrained=none", f"ckpt_path={bad}"]
    elif route == "spatial_ckpt":
        temporal = fake_checkpoint(tmp_path / "t.ckpt", "temporal")
        extra = [
            "stage.pretrained=paths",
            f"stage.spatial_ckpt={bad}",
            f"stage.temporal_ckpt={temporal}",
        ]
    else:
        own = tmp_path / "outputs" / "run" / "checkpoints"
        own.mkdir(parents=True)
        shutil.move(bad, own / "last.ckpt")
        bad = own / "last.ckpt"
        extra = ["stage.pretrained=none", "ckpt_path=last"]
    out = _cli([*overrides, *extra])
    assert out.returncode == 1, out.stderr[-2000:]
    assert f"error: cannot load checkpoint {bad}: damaged" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "outputs" / "run" / "metrics.json").exists()
