"""Honest selection: a run or sweep that would select on a test metric stops before any data is
read; searches select every trial on fixed tuning subjects; the loss weights come from the
training clips only."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import hydra
import pytest

from microexp.train.config import ConfigError
from microexp.train.job import train, training_class_counts
from tests.conftest import ROOT, composed, tiny_overrides


def _fresh(tmp_path: Path) -> list[str]:
    """Overrides whose data would be generated and cached on first use, under ``tmp_path``."""
    return [
        *tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path),
        "data.synthetic={subjects: 3, clips: 5, seed: 0}",
    ]


def _nothing_prepared(tmp_path: Path) -> None:
    assert not (tmp_path / "set").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["optimized_metric=test/uf1"], "optimized_metric=test/uf1"),
        (["stage.monitor=test/accuracy"], "stage.monitor=test/accuracy"),
        (["callbacks.early_stopping.monitor=test/auc"], "callbacks.early_stopping.monitor"),
        (["callbacks.model_checkpoint.monitor=test/uf1"], "callbacks.model_checkpoint.monitor"),
        (
            ["test_ckpt=best", "split.val_subjects=1", "stage.monitor=test/uf1"],
            "stage.monitor=test/uf1",
        ),
        (["stage=spatial", "stage.monitor=test/iou"], "stage.monitor=test/iou"),
    ],
)
def test_a_test_metric_stops_the_run_before_data(
    overrides: list[str], key: str, tmp_path: Path
) -> None:
    start = time.perf_counter()
    with (
        composed([*_fresh(tmp_path), *overrides]) as cfg,
        pytest.raises(ConfigError, match="never see a test subject") as info,
    ):
        train(cfg)
    assert key in str(info.value)
    assert time.perf_counter() - start < 10  # preparing the data takes far longer
    _nothing_prepared(tmp_path)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["test_ckpt=best"], "test_ckpt=best tests the epoch that was best"),
        (
            ["test_ckpt=best", "split=holdout_clips", "split.val_subjects=2"],
            "split holdout_clips",
        ),
        (["test_ckpt=first"], "test_ckpt must be last or best"),
        (["model.class_weights=balance"], "model.class_weights must be none, balanced"),
        (["model.class_weights=[1,2]"], "model.class_weights lists 2 weight"),
    ],
)
def test_settings_that_cannot_run_stop_before_data(
    overrides: list[str], message: str, tmp_path: Path
) -> None:
    with (
        composed([*_fresh(tmp_path), "stage=joint", *overrides]) as cfg,
        pytest.raises(ConfigError, match=message),
    ):
        train(cfg)
    _nothing_prepared(tmp_path)


def test_cli_refuses_a_test_metric_with_one_error_line(tmp_path: Path) -> None:
    for sweep in ([], ["-m", "hparams_search=joint_optuna"]):
        out = subprocess.run(
            [sys.executable, "train.py", *sweep, *_fresh(tmp_path), "optimized_metric=test/uf1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 1, out.stderr[-2000:]
        errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "optimized_metric=test/uf1" in errors[0], out.stderr
        assert "Traceback" not in out.stderr
        _nothing_prepared(tmp_path)
        assert not (tmp_path / "outputs" / "optuna.sqlite").exists()  # no study opened


def test_a_search_selects_every_trial_on_its_tuning_subjects(
    tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    overrides = [
        *tiny_overrides(tiny_dataset, cache_dir, tmp_path),
        "data.flow_backend=opencv",
        "hparams_search=joint_optuna",
    ]
    # the tiny set has sub01-sub03; fold 0 tests sub01
    with composed([*overrides, "tuning.subjects=[sub03]"]) as cfg:
        datamodule = hydra.utils.instantiate(cfg.data)
        datamodule.prepare_data()
        datamodule.setup("fit")
    assert datamodule.split.val == ("sub03",) and datamodule.split.test == ("sub01",)
    # a search told to validate on anything else stops at once
    for other in (["split.val_subjects=1"], ["tuning.subjects=[]"]):
        with (
            composed([*overrides, *other]) as cfg,
            pytest.raises(ConfigError, match="selects every trial on the same subjects"),
        ):
            train(cfg)


def test_class_counts_come_from_the_training_clips_only() -> None:
    def clips(labels: list[int]) -> list[SimpleNamespace]:
        return [SimpleNamespace(label=label) for label in labels]

    datamodule = SimpleNamespace(
        class_names=("a", "b", "c"),
        train_set=SimpleNamespace(clips=clips([0, 0, 0, 1, -1])),
        # validation and test clips of another class mix: they must not count
        val_set=SimpleNamespace(clips=clips([2, 2, 1])),
        test_set=SimpleNamespace(clips=clips([2, 2, 2, 2])),
    )
    assert training_class_counts(datamodule) == [3, 1, 0]
