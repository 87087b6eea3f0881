"""Callbacks: per-epoch reseeding, so that a resumed run retraces an uninterrupted one."""

from __future__ import annotations

import random

import numpy as np
import pytorch_lightning as pl
import torch


class EpochSeed(pl.Callback):
    """Reseed torch, numpy and random at the start of every training epoch from
    ``(seed, epoch)``.

    Windows and augmentations already derive from ``(seed, epoch, index)``; this makes the rest
    (dropout) a function of the epoch too, so a run resumed from ``last.ckpt`` retraces an
    uninterrupted run exactly.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        s = (self.seed * 1_000_003 + trainer.current_epoch) % (2**31 - 1)
        torch.manual_seed(s)
        np.random.seed(s)
        random.seed(s)
