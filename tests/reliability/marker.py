"""A callback for the kill-and-resume test: records each finished training batch in a file
(so the test knows where the run is) and can pause after a batch (so it is killed there)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytorch_lightning as pl


class BatchMarker(pl.Callback):
    """Append ``"<epoch> <batch>"`` to ``path`` after every training batch, flushed to disk,
    then sleep ``pause`` seconds if the batch is ``pause_at`` (``[epoch, batch]``)."""

    def __init__(self, path: str, pause: float = 0.0, pause_at: list[int] | None = None) -> None:
        self.path = Path(path)
        self.pause = pause
        self.pause_at = tuple(pause_at) if pause_at is not None else None

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        with self.path.open("a") as fh:
            fh.write(f"{trainer.current_epoch} {batch_idx}\n")
            fh.flush()
            os.fsync(fh.fileno())
        if self.pause and (trainer.current_epoch, batch_idx) == self.pause_at:
            time.sleep(self.pause)
