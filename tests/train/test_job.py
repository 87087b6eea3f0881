"""train.py end to end on a tiny generated set: every stage, the hand-off, resume, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytorch_lightning as pl

from microexp.train.config import ConfigError
from microexp.train.job import train
from microexp.train.metrics import SCORES
from tests.conftest import ROOT, composed, tiny_overrides

REQUIRED = (
    "stage",
    "fold",
    "test/auc",
    "test/accuracy",
    "test/uf1",
    "test/uar",
    "test/spot_f1",
    "data/clips",
    "data/skipped",
    "epochs",
    "seconds",
)


def _refuse(name: str) -> None:
    raise ValueError(f"metrics.json holds {name}")


@pytest.fixture
def overrides(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> list[str]:
    return tiny_overrides(tiny_dataset, cache_dir, tmp_path) + ["data.flow_backend=opencv"]


@pytest.mark.parametrize("stage", ["spatial", "temporal"])
def test_backbone_stage_runs(stage: str, overrides: list[str]) -> None:
    with composed([*overrides, f"stage={stage}"]) as cfg:
        metrics, objects = train(cfg)
    run = Path(cfg.paths.output_dir)
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["stage"] == stage and saved["data/clips"] == 15
    assert set(REQUIRED) <= set(saved)
    assert 0.0 <= saved["test/iou"] <= 1.0
    # clips cut at onset..offset: no frame outside, so no inside/outside AUC is logged (the
    # run's printed table and its logger once showed NaN)
    assert saved["test/auc"] is None
    assert "test/auc" not in objects["trainer"].callback_metrics
    assert (run / "checkpoints" / "last.ckpt").is_file()
    assert (run / "checkpoints" / "meta.json").is_file()


def test_joint_trains_backbones_first_then_reuses_them(overrides: list[str]) -> None:
    with composed([*overrides, "stage=joint"]) as cfg:
        metrics, _ = train(cfg)
    run = Path(cfg.paths.output_dir)
    assert metrics["pretrained/trained_first"] == ["spatial", "temporal"]
    for stage in ("spatial", "temporal"):
        assert json.loads((run / stage / "metrics.json").read_text())["stage"] == stage
    saved = json.loads((run / "metrics.json").read_text(), parse_constant=_refuse)
    assert set(REQUIRED) <= set(saved) and set(SCORES) <= set(saved)
    for key in ("test/auc", "test/accuracy", "test/uf1", "test/uar", "test/spot_f1"):
        assert saved[key] is None or 0.0 <= saved[key] <= 1.0, key
    # apex spotting and the references, from the records and the flow the network received
    for key in ("test/apex_mae", "test/ref_centre/apex_mae", "test/ref_flow/apex_mae"):
        assert saved[key] >= 0, key
    assert saved["test/apex_why"] is None and saved["test/ref_flow/apex_why"] is None
    assert saved["data/skipped"] == 0 and saved["data/test_clips"] == 5
    for name in (
        "predictions.csv",
        "frames.csv",
        "confusion.png",
        "fig2_best.png",
        "subject_accuracy.png",
    ):
        assert (run / name).is_file(), name
    rows = (run / "predictions.csv").read_text().splitlines()
    assert len(rows) == 1 + 5 and rows[0].startswith("subject,episode,true_label")
    assert "first_frame,ref_centre_apex,ref_flow_apex" in rows[0]
    # a second joint run finds the matching backbones instead of training them again
    second = [o.replace("paths.output_dir=", "paths.output_dir=") for o in overrides]
    second = [o if not o.startswith("paths.output_dir=") else o + "2" for o in second]
    with composed([*second, "stage=joint"]) as cfg2:
        metrics2, _ = train(cfg2)
    assert metrics2["pretrained/trained_first"] == []
    assert metrics2["pretrained/spatial_ckpt"] == str(run / "spatial/checkpoints/last.ckpt")


def test_resume_from_last_matches_uninterrupted(overrides: list[str], tmp_path: Path) -> None:
    base = [*overrides, "stage=joint", "stage.pretrained=none", "trainer.limit_train_batches=3"]
    runs = {}
    for name, extra, log_dir in (
        ("full", ["epochs.joint=2"], tmp_path / "a"),
        # interrupted after its first epoch (a planned 2-epoch run, stopped)
        ("first", ["epochs.joint=2", "trainer.max_epochs=1"], tmp_path / "b"),
        ("resumed", ["epochs.joint=2", "ckpt_path=last"], tmp_path / "b"),
    ):
        outs = [o for o in base if not o.startswith(("paths.output_dir", "paths.log_dir"))]
        logs = [f"paths.log_dir={log_dir}", f"paths.output_dir={log_dir / name}"]
        with composed([*outs, *extra, *logs]) as cfg:
            runs[name], _ = train(cfg)
    for key in ("test/accuracy", "test/auc", "test/uf1", "test/spot_f1"):
        assert runs["resumed"][key] == runs["full"][key], key
    assert runs["resumed"]["epochs"] == 2
    assert runs["resumed"]["resumed_from"] == str(tmp_path / "b/first/checkpoints/last.ckpt")
    full = (tmp_path / "a/full/frames.csv").read_text()
    assert (tmp_path / "b/resumed/frames.csv").read_text() == full


def test_missing_casme2_root_is_a_clear_error(tmp_path: Path) -> None:
    with (
        composed(
            [f"paths.root_dir={tmp_path}", f"paths.output_dir={tmp_path}/run", "data=casme2"]
        ) as cfg,
        pytest.raises(ConfigError, match="data.root"),
    ):
        train(cfg)
    out = subprocess.run(
        [sys.executable, "train.py", "data=casme2", f"paths.log_dir={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "data.root is not set" in out.stderr and "Traceback" not in out.stderr


def test_wandb_offline_run_holds_metrics_and_plots(overrides: list[str], monkeypatch) -> None:
    from tests.wandb_offline import history

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    with composed([*overrides, "stage=joint", "stage.pretrained=none", "logger=wandb"]) as cfg:
        metrics, _ = train(cfg)
    run_files = list(Path(cfg.paths.output_dir).glob("wandb/offline-run-*/run-*.wandb"))
    assert len(run_files) == 1, run_files
    # wandb's service process may still be writing the file when finish() returns on a busy
    # machine: read it until the test metrics are there (or a minute has passed)
    deadline = time.monotonic() + 60
    logged = history(run_files[0])
    while "test/apex_mae" not in logged and time.monotonic() < deadline:
        time.sleep(0.5)
        logged = history(run_files[0])
    for key in ("test/accuracy", "test/uf1", "test/uar", "test/apex_mae", "test/apex_hit"):
        assert key in logged, sorted(logged)
    for key in ("test/auc", "test/spot_f1", "test/phase_auc"):  # logged where defined, never NaN
        assert (key in logged) == (metrics[key] is not None), (key, sorted(logged))
    assert logged["test/accuracy"][-1] == pytest.approx(metrics["test/accuracy"])
    images = {k.split("/")[1] for k in logged if k.startswith("test/") and k.endswith("/_type")}
    assert {"confusion", "fig2_best", "subject_accuracy"} <= images, sorted(logged)
    media = list(run_files[0].parent.glob("files/media/images/test/*.png"))
    assert len(media) >= 3


def test_joint_run_selected_on_validation_with_balanced_weights(overrides: list[str]) -> None:
    extra = [
        "stage=joint",
        "stage.pretrained=none",
        "split.val_subjects=1",
        "test_ckpt=best",
        "model.class_weights=balanced",
        "tuning.subjects=[sub02]",
    ]
    with composed([*overrides, *extra]) as cfg:
        metrics, objects = train(cfg)
    datamodule, model = objects["datamodule"], objects["model"]
    # the loss weights come from the one training subject's 7 clips: not from all 15 clips, nor
    # from the validation or test subject's
    train_labels = [c.label for c in datamodule.train_set.clips]
    assert datamodule.split.train == ("sub02",) and len(train_labels) == 7
    counts = [train_labels.count(k) for k in range(5)]
    assert model.hparams.class_counts == counts
    present = [1 / c for c in counts if c]
    want = [(1 / c) / (sum(present) / len(present)) if c else 0.0 for c in counts]
    assert model.ce_weights.tolist() == pytest.approx(want)
    assert len(set(counts) - {0}) > 1  # uneven counts: the weights differ from 1
    assert metrics["selected"] == "best val/uf1 on validation subjects"
    assert metrics["tuning_subjects"] == ["sub02"] and metrics["val/uf1"] is not None
    trainer = objects["trainer"]
    assert any(isinstance(c, pl.callbacks.EarlyStopping) for c in trainer.callbacks)
