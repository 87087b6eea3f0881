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
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from microexp.train import ConfigError, read_checkpoint, train
from tests.conftest import ROOT, composed, tiny_overrides


def _fake_checkpoint(path: Path, stage: str = "joint") -> Path:
    """A small checkpoint with the keys Lightning writes (no training needed to make it)."""
    torch.save(
        {
            "epoch": 0,
            "global_step": 2,
            "loops": {},
            "state_dict": {"net.w": torch.zeros(64, 64)},
            "microexp": {"stage": stage},
        },
        path,
    )
    return path


def _cut(path: Path) -> Path:
    data = _fake_checkpoint(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


#: name -> (make the file, words the error must hold)
BAD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "cut short": (_cut, "damaged, cut short or not a checkpoint"),
    "empty": (lambda p: (p.write_bytes(b""), p)[1], "damaged, cut short or not a checkpoint"),
    "random bytes": (
        lambda p: (p.write_bytes(bytes(range(256)) * 20), p)[1],
        "damaged, cut short or not a checkpoint",
    ),
    "text": (lambda p: (p.write_text("model weights\n"), p)[1], "damaged, cut short"),
    "a list": (lambda p: (torch.save([1, 2, 3], p), p)[1], "holds no state_dict"),
}


@pytest.fixture
def overrides(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> list[str]:
    return [
        *tiny_overrides(tiny_dataset, cache_dir, tmp_path),
        "data.flow_backend=opencv",
        "stage=joint",
    ]


@pytest.mark.parametrize("kind", sorted(BAD))
def test_read_checkpoint_names_the_file(kind: str, tmp_path: Path) -> None:
    make, words = BAD[kind]
    path = make(tmp_path / "model.ckpt")
    with pytest.raises(ConfigError, match="model.ckpt") as info:
        read_checkpoint(path)
    assert words in str(info.value)
    assert len(str(info.value)) < 500  # one readable line, not torch's essay


def test_read_checkpoint_stage_and_resumability(tmp_path: Path) -> None:
    spatial = _fake_checkpoint(tmp_path / "spatial.ckpt", stage="spatial")
    assert read_checkpoint(spatial, "spatial", resumable=True)["epoch"] == 0
    with pytest.raises(
        ConfigError, match="spatial.ckpt is a spatial-stage checkpoint, not a joint"
    ):
        read_checkpoint(spatial, "joint")
    weights = tmp_path / "weights.pt"
    torch.save({"state_dict": {"net.w": torch.zeros(2)}}, weights)
    assert read_checkpoint(weights, "joint")  # weights alone are fine for backbones
    with pytest.raises(ConfigError, match="weights.pt holds weights only"):
        read_checkpoint(weights, "joint", resumable=True)


@pytest.mark.parametrize("kind", ["cut short", "random bytes", "a list"])
def test_bad_ckpt_path_stops_before_training(
    kind: str, overrides: list[str], tmp_path: Path
) -> None:
    bad = BAD[kind][0](tmp_path / "bad.ckpt")
    with (
        composed([*overrides, "stage.pretrained=none", f"ckpt_path={bad}"]) as cfg,
        pytest.raises(ConfigError, match=re.escape(f"checkpoint {bad}")),
    ):
        train(cfg)
    assert not (Path(cfg.paths.output_dir) / "metrics.json").exists()


def test_other_stage_checkpoint_as_ckpt_path(overrides: list[str], tmp_path: Path) -> None:
    spatial = _fake_checkpoint(tmp_path / "spatial.ckpt", stage="spatial")
    with (
        composed([*overrides, "stage.pretrained=none", f"ckpt_path={spatial}"]) as cfg,
        pytest.raises(ConfigError, match="spatial-stage checkpoint, not a joint one"),
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
    own = _cut(run / "checkpoints" / "last.ckpt")
    with (
        composed(base) as cfg,
        pytest.raises(ConfigError, match=re.escape(f"checkpoint {own}: damaged")),
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
        pytest.raises(ConfigError, match=re.escape(f"checkpoint {other / 'last.ckpt'}: damaged")),
    ):
        train(cfg)


@pytest.mark.parametrize("which", ["spatial", "temporal"])
def test_damaged_backbone_checkpoint(which: str, overrides: list[str], tmp_path: Path) -> None:
    good = {
        "spatial": _fake_checkpoint(tmp_path / "s.ckpt", "spatial"),
        "temporal": _fake_checkpoint(tmp_path / "t.ckpt", "temporal"),
    }
    good[which] = _cut(tmp_path / f"{which}-cut.ckpt")
    with (
        composed(
            [
                *overrides,
                "stage.pretrained=paths",
                f"stage.spatial_ckpt={good['spatial']}",
                f"stage.temporal_ckpt={good['temporal']}",
            ]
        ) as cfg,
        pytest.raises(ConfigError, match=re.escape(f"checkpoint {good[which]}: damaged")),
    ):
        train(cfg)


def test_backbone_checkpoints_swapped_or_unfit(overrides: list[str], tmp_path: Path) -> None:
    spatial = _fake_checkpoint(tmp_path / "s.ckpt", "spatial")
    temporal = _fake_checkpoint(tmp_path / "t.ckpt", "temporal")
    swapped = [
        *overrides,
        "stage.pretrained=paths",
        f"stage.spatial_ckpt={temporal}",
        f"stage.temporal_ckpt={spatial}",
    ]
    with composed(swapped) as cfg, pytest.raises(ConfigError, match="t.ckpt is a temporal-stage"):
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
    bad = _cut(tmp_path / "bad.ckpt")
    if route == "ckpt_path":
        extra = ["stage.pretrained=none", f"ckpt_path={bad}"]
    elif route == "spatial_ckpt":
        temporal = _fake_checkpoint(tmp_path / "t.ckpt", "temporal")
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
