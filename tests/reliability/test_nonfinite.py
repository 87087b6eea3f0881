"""NaN/inf guard: a non-finite loss stops the run at that batch, naming it and its clips.

A NaN or inf is planted in one training item (its flow, mask and intensity target, so every
stage's loss sees it); the run must stop at the batch holding it, after training on the
batches before it and none after, with :class:`NonFiniteLossError` naming the epoch, the batch
and the clips. The command line turns it into ``error: ...`` and exit code 1 (there a learning
rate of 1e30 makes the loss blow up by itself).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from microexp.data.windows import TrainSequences
from microexp.tasks.base import BaseTask, NonFiniteLossError
from microexp.train.job import train
from tests.conftest import ROOT, composed, tiny_overrides

BATCH = 4


@pytest.fixture
def overrides(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> list[str]:
    return [
        *tiny_overrides(tiny_dataset, cache_dir, tmp_path),
        "data.flow_backend=opencv",
        f"data.batch_size={BATCH}",
        "trainer.limit_train_batches=3",
    ]


def _poison(monkeypatch: pytest.MonkeyPatch, value: float, at_item: int) -> dict[str, Any]:
    """Make the ``at_item``-th training item fetched (0-based) hold ``value`` in its flow, mask
    and intensity target; count the training steps that returned normally. (An inf in the flow
    alone is soft-clipped by MPNet's ``tanh`` input: finite, and rightly not an error.)"""
    seen: dict[str, Any] = {"items": 0, "clip": None, "steps": 0}
    item = TrainSequences.item

    def poisoned(self: TrainSequences, epoch: int, k: int) -> dict[str, Any]:
        out = item(self, epoch, k)
        if seen["items"] == at_item:
            out["flow"][0, 0, 0, 0] = value
            out["mask"][:] = value  # every step: the segmentation stages train on a few
            out["intensity"][0] = value
            seen["clip"] = f"{out['subject']}/{out['episode']}"
        seen["items"] += 1
        return out

    monkeypatch.setattr(TrainSequences, "item", poisoned)
    for cls in _task_classes():
        step = cls.training_step

        def counted(self: BaseTask, batch: dict, batch_idx: int, _step=step) -> Any:  # noqa: ANN001
            loss = _step(self, batch, batch_idx)
            seen["steps"] += 1
            return loss

        monkeypatch.setattr(cls, "training_step", counted)
    return seen


def _task_classes() -> list[type]:
    from microexp.tasks.joint import JointTask
    from microexp.tasks.spatial import SegmentationTask

    return [JointTask, SegmentationTask]


@pytest.mark.parametrize(
    ("stage", "value"),
    [("joint", math.nan), ("joint", math.inf), ("temporal", math.nan), ("spatial", -math.inf)],
)
def test_non_finite_loss_stops_at_its_batch(
    stage: str, value: float, overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _poison(monkeypatch, value, at_item=BATCH + 1)  # the second item of batch 1
    extra = [f"stage={stage}"] + (["stage.pretrained=none"] if stage == "joint" else [])
    with (
        composed([*overrides, *extra]) as cfg,
        pytest.raises(NonFiniteLossError) as info,
    ):
        train(cfg)
    message = str(info.value)
    assert "at epoch 0, batch 1 " in message, message
    assert seen["clip"] in message and "stopping instead of training on" in message
    assert seen["steps"] == 1  # batch 0 trained, batch 1 stopped the run, batch 2 never ran
    run = Path(cfg.paths.output_dir)
    assert not (run / "metrics.json").exists()
    assert not (run / "checkpoints" / "last.ckpt").exists()


@pytest.mark.slow
def test_cli_exit_code_on_a_diverging_run(overrides: list[str]) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "train.py",
            *overrides,
            "stage=joint",
            "stage.pretrained=none",
            "model.optimizer.lr=1e30",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1, out.stderr[-2000:]
    assert "error: non-finite loss" in out.stderr and ", batch " in out.stderr
    assert "(clips: sub" in out.stderr
    assert "Traceback" not in out.stderr
