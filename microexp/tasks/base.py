"""The base LightningModule: optimiser, checkpoint metadata, guards and artefact helpers.

Stages subclass it and stay thin: they wire pure parts (``microexp.models``, ``microexp.eval``)
together. The optimiser (and optional scheduler) arrive as partials from the config
(``_partial_: true``), so the paper's RMSProp (lr 1e-4, weight decay 0.005) is one YAML file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn
from torchmetrics import MetricCollection

from microexp.eval.metrics import FrameAUROC

log = logging.getLogger(__name__)


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; the message names the batch."""


class BaseTask(pl.LightningModule):
    """Shared plumbing of the three stages.

    Args:
        net: the network (a pure ``nn.Module``).
        optimizer: a partial taking ``params=`` (e.g. ``torch.optim.RMSprop`` with lr set).
        scheduler: optional partial taking ``optimizer=``.
    """

    stage: str = "base"

    def __init__(
        self,
        net: nn.Module,
        optimizer: Callable[..., torch.optim.Optimizer],
        scheduler: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["net", "optimizer", "scheduler"], logger=False)
        self.net = net
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        #: What a checkpoint needs to be used alone (set by ``microexp.train``): the net's
        #: config, input size, frame stride, flow parameters, the run's match key.
        self.meta: dict[str, Any] = {}

    # ------------------------------------------------------------------ optimisation

    def configure_optimizers(self) -> Any:
        params = [p for p in self.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"stage {self.stage}: no trainable parameters")
        optimizer = self.optimizer_factory(params=params)
        if self.scheduler_factory is None:
            return optimizer
        return {
            "optimizer": optimizer,
            "lr_scheduler": self.scheduler_factory(optimizer=optimizer),
        }

    def check_finite(self, loss: torch.Tensor, batch: dict, batch_idx: int) -> None:
        """Stop with a message naming the batch when the loss is NaN or infinite."""
        if torch.isfinite(loss).all():
            return
        clips = ", ".join(f"{s}/{e}" for s, e in zip(batch["subject"], batch["episode"]))
        raise NonFiniteLossError(
            f"non-finite loss ({loss.item()}) at epoch {self.current_epoch}, batch {batch_idx} "
            f"(clips: {clips}); stopping instead of training on. Lower the learning rate or "
            "check these clips' frames and flow."
        )

    # ------------------------------------------------------------------ epoch scores

    def start_epoch(self, metrics: MetricCollection) -> None:
        """An empty update of every frame AUC: a rank that gets no clip (fewer clips than
        ranks) then gathers frame lists of the right type with the others."""
        empty = torch.zeros(0, device=self.device)
        for metric in metrics.values():
            if isinstance(metric, FrameAUROC):
                metric.update(empty, empty.long())

    def log_defined_scores(self, metrics: MetricCollection) -> None:
        """Log the epoch's scores that are defined (never NaN), then start the next epoch. Under
        DDP a metric gathers the ranks' states when computed, so every rank computes those that
        any rank updated."""
        called = from_all_ranks([[m.update_called for m in metrics.values()]])
        for (name, metric), *flags in zip(metrics.items(), *called):
            if any(flags):
                value = metric.compute()
                if torch.isfinite(value):
                    self.log(name, value.float())
        metrics.reset()

    # ------------------------------------------------------------------ checkpoints

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["microexp"] = {"stage": self.stage, **self.identity(), **self.meta}

    def identity(self) -> dict[str, Any]:
        """What a checkpoint of this stage records besides its stage and :attr:`meta`."""
        return {}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.meta = {
            k: v
            for k, v in checkpoint.get("microexp", {}).items()
            if k not in ("stage", "classes")
        }

    # ------------------------------------------------------------------ artefacts

    @property
    def run_dir(self) -> Path:
        """The run's output folder (the trainer's ``default_root_dir``)."""
        return Path(self.trainer.default_root_dir) if self._trainer is not None else Path(".")

    def log_images(self, images: dict[str, Path]) -> None:
        """Send PNGs to loggers that take images (wandb); they are in the run folder anyway."""
        for logger in self.loggers:
            log_image = getattr(logger, "log_image", None)
            if log_image is None:
                continue
            for key, path in images.items():
                try:
                    log_image(key=key, images=[str(path)])
                except Exception as exc:  # a logger failing must not lose the run's results
                    log.warning("could not log %s to %s: %s", path, type(logger).__name__, exc)


def valid_mean(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the ``valid`` entries (0 when there are none)."""
    weights = valid.to(values.dtype)
    return (values * weights).sum() / weights.sum().clamp(min=1.0)


def weighted_mean(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``sum(weights * values) / sum(weights)`` (0 when the weights sum to 0)."""
    weights = weights.to(values.dtype)
    total = weights.sum()
    return (values * weights).sum() / torch.where(total > 0, total, torch.ones_like(total))


def from_all_ranks(items: list[Any]) -> list[Any]:
    """Every rank's ``items`` (picklable objects), concatenated in rank order, on every rank;
    ``items`` themselves in a single process."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return list(items)
    parts: list[Any] = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(parts, list(items))
    return [item for part in parts for item in part]
