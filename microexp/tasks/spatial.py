"""Stage ``spatial``: DeepLab-LargeFOV learns to segment the moving facial regions
(pseudo-masks) from single frames. ``SegmentationTask`` is shared with the temporal
stage, which segments the same masks from flow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import BinaryJaccardIndex

from microexp.eval.gates import MIN_OUTSIDE_FRACTION
from microexp.eval.metrics import FrameAUROC
from microexp.tasks.base import BaseTask


class SegmentationTask(BaseTask):
    """Per-pixel motion segmentation of every step of a window.

    Args:
        net: maps the stage's input ``(N, C, H, W)`` to logits ``(N, 1, h, w)``.
        optimizer, scheduler: see :class:`BaseTask`.
        pos_weight: weight of moving pixels in the BCE loss (they are rare).
        steps_per_sequence: train on this many random steps of each window (None = all); the
            steps of a window are near duplicates, so a few carry most of the signal.
        eval_chunk: steps per forward pass at evaluation (bounds memory on long clips).
    """

    stage = "segmentation"

    def __init__(
        self,
        net: nn.Module,
        optimizer: Callable[..., torch.optim.Optimizer],
        scheduler: Callable[..., Any] | None = None,
        pos_weight: float = 4.0,
        steps_per_sequence: int | None = 4,
        eval_chunk: int = 64,
    ) -> None:
        super().__init__(net, optimizer, scheduler)
        self.pos_weight = pos_weight
        self.steps_per_sequence = steps_per_sequence
        self.eval_chunk = eval_chunk
        # inside/outside AUC only where enough frames lie outside the intervals (clips cut at
        # onset..offset have none): otherwise it is not logged at all, never NaN
        auc = FrameAUROC(min_negative_fraction=MIN_OUTSIDE_FRACTION)
        metrics = MetricCollection({"iou": BinaryJaccardIndex(), "auc": auc})
        self.val_metrics = metrics.clone(prefix="val/")
        self.test_metrics = metrics.clone(prefix="test/")

    def inputs(self, batch: dict) -> torch.Tensor:
        """The stage's input for every step: ``(B, T, C, H, W)``."""
        return batch["frames"][:, 1:]  # the later frame of each step (the mask's frame)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Per-stage input conversion of ``(N, C, H, W)``."""
        return x.float() / 255.0 if x.dtype == torch.uint8 else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.prepare(x))

    @staticmethod
    def _targets(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Masks ``(N, 1, H, W)`` -> fraction of moving pixels per output cell."""
        return F.adaptive_avg_pool2d(mask.float(), size)

    def _loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        weight = torch.tensor(self.pos_weight, device=logits.device)
        return F.binary_cross_entropy_with_logits(logits, target, pos_weight=weight)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        x, mask, valid = self.inputs(batch), batch["mask"], batch["valid"]
        if self.steps_per_sequence is not None and x.shape[1] > self.steps_per_sequence:
            scores = torch.rand(valid.shape, device=valid.device) + (~valid).float() * 2
            pick = scores.argsort(dim=1)[:, : self.steps_per_sequence]
            rows = torch.arange(x.shape[0], device=x.device)[:, None]
            x, mask, valid = x[rows, pick], mask[rows, pick], valid[rows, pick]
        logits = self(x[valid])
        target = self._targets(mask[valid], logits.shape[-2:])
        loss = self._loss(logits, target)
        self.check_finite(loss, batch, batch_idx)
        self.log("train/loss", loss, prog_bar=True, batch_size=int(valid.sum()))
        return loss

    def _evaluate(self, batch: dict, metrics: MetricCollection, prefix: str) -> None:
        x, mask, valid = self.inputs(batch), batch["mask"], batch["valid"]
        b, t = valid.shape
        logits = torch.cat(
            [
                self(x[:, a : a + self.eval_chunk].flatten(0, 1))
                for a in range(0, t, self.eval_chunk)
            ]
        )
        logits = logits.view(b, t, *logits.shape[1:])[valid]
        target = self._targets(mask[valid], logits.shape[-2:])
        probs = torch.sigmoid(logits)
        metrics["iou"].update(probs.flatten(), (target > 0.5).flatten().long())
        metrics["auc"].update(probs.mean(dim=(1, 2, 3)), batch["inside"][valid].long())
        n = int(valid.sum())
        self.log(f"{prefix}/loss", self._loss(logits, target), batch_size=n)

    def on_validation_epoch_start(self) -> None:
        self.start_epoch(self.val_metrics)

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self._evaluate(batch, self.val_metrics, "val")

    def on_validation_epoch_end(self) -> None:
        self.log_defined_scores(self.val_metrics)

    def on_test_epoch_start(self) -> None:
        self.start_epoch(self.test_metrics)

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self._evaluate(batch, self.test_metrics, "test")

    def on_test_epoch_end(self) -> None:
        self.log_defined_scores(self.test_metrics)


class SpatialTask(SegmentationTask):
    """Stage ``spatial``: segment moving facial regions from single frames."""

    stage = "spatial"
