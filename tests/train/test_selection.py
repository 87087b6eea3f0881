"""Checkpoint choice and early stopping on imbalanced validation data follow UF1, not accuracy.

The callbacks are the ones a run builds from the composed config; a scripted module logs the
validation scores of hand-made predictions through the task's own metric collection (80% of the
validation clips are "others"): a constant "others" predictor has the higher accuracy and the
far lower UF1, and must never be the epoch selected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from microexp.classes import CLASSES_5
from microexp.eval.metrics import recognition_metrics
from microexp.train.job import _callbacks
from tests.conftest import composed, tiny_overrides

OTHERS = CLASSES_5.index("others")
#: 16 "others" clips and one clip of each other class
TRUTH = torch.tensor([OTHERS] * 16 + [0, 1, 2, 3])
#: always "others": accuracy 0.8, UF1 = (32/36) / 5
CONSTANT = torch.full_like(TRUTH, OTHERS)
#: every minority clip right, half of "others" called happiness: accuracy 0.6, UF1 0.773
BALANCED = torch.tensor([OTHERS] * 8 + [0] * 8 + [0, 1, 2, 3])
#: the predictions of each validation epoch: the balanced predictor only at epoch 1
SCHEDULE = [CONSTANT, BALANCED, CONSTANT, CONSTANT, CONSTANT, CONSTANT]


class ScriptedScores(pl.LightningModule):
    """Logs the scores of :data:`SCHEDULE` at each validation, as the joint task logs its own."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.val_metrics = recognition_metrics(len(CLASSES_5)).clone(prefix="val/")

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        return (self.weight**2).sum() + 0.0 * batch[0].sum()

    def validation_step(self, batch, batch_idx: int) -> None:
        self.val_metrics.update(SCHEDULE[self.current_epoch], TRUTH)
        self.log_dict(self.val_metrics, on_step=False, on_epoch=True, batch_size=len(TRUTH))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def _loader() -> DataLoader:
    return DataLoader(TensorDataset(torch.zeros(1, 1)), batch_size=1)


def _scores(preds: torch.Tensor) -> dict[str, float]:
    metrics = recognition_metrics(len(CLASSES_5))
    metrics.update(preds, TRUTH)
    return {k: float(v) for k, v in metrics.compute().items()}


@pytest.fixture
def callbacks(tmp_path: Path) -> list[pl.Callback]:
    overrides = tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path)
    with composed([*overrides, "stage=joint", "callbacks.early_stopping.patience=2"]) as cfg:
        return _callbacks(cfg, has_val=True)


def test_the_constant_predictor_wins_on_accuracy_only() -> None:
    constant, balanced = _scores(CONSTANT), _scores(BALANCED)
    assert constant["accuracy"] == pytest.approx(0.8)
    assert balanced["accuracy"] == pytest.approx(0.6)
    assert constant["uf1"] == pytest.approx(32 / 36 / 5)
    assert balanced["uf1"] == pytest.approx((0.2 + 3 + 2 / 3) / 5)


def test_checkpoint_and_early_stopping_follow_uf1(callbacks: list[pl.Callback], tmp_path) -> None:
    checkpoint = next(c for c in callbacks if isinstance(c, pl.callbacks.ModelCheckpoint))
    stopping = next(c for c in callbacks if isinstance(c, pl.callbacks.EarlyStopping))
    trainer = pl.Trainer(
        max_epochs=len(SCHEDULE),
        callbacks=callbacks,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        default_root_dir=tmp_path,
    )
    trainer.fit(ScriptedScores(), train_dataloaders=_loader(), val_dataloaders=_loader())
    # the balanced epoch is kept, not the constant predictor's (higher accuracy) epochs
    assert Path(checkpoint.best_model_path).name == "epoch_001.ckpt"
    assert checkpoint.best_model_score.item() == pytest.approx(_scores(BALANCED)["uf1"])
    assert checkpoint.monitor == "val/uf1"
    # two validations without a better UF1 after epoch 1: stopped after epoch 3, not at the end
    assert stopping.monitor == "val/uf1" and stopping.stopped_epoch == 3
    assert trainer.current_epoch == 4 < len(SCHEDULE)


def test_no_early_stopping_without_validation_subjects(tmp_path: Path) -> None:
    overrides = tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path)
    with composed([*overrides, "stage=joint"]) as cfg:
        without = _callbacks(cfg, has_val=False)
    assert not any(isinstance(c, pl.callbacks.EarlyStopping) for c in without)
    checkpoint = next(c for c in without if isinstance(c, pl.callbacks.ModelCheckpoint))
    assert checkpoint.monitor is None  # the last epoch is kept: nothing to select on
