"""A callback that tests/train/test_ddp.py puts into ``train.py`` through the config
(``+callbacks.probe._target_=tests.train.ddp_probe.DDPProbe +callbacks.probe.out=DIR``). Each
rank writes ``DIR/rank<R>.json``: its training draws of the first epoch (what the loader's
sampler yields), the clips of every training and test batch it served, the training clips,
their labels and the data seed; and ``DIR/writes_rank<R>.txt``, one line per file written
through the task's writers and the job's ``write_metrics`` (wrapped in place on setup)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytorch_lightning as pl

#: (module, name) of every writer of a run's files.
WRITERS = (
    ("microexp.tasks.joint", "write_predictions"),
    ("microexp.tasks.joint", "write_frames"),
    ("microexp.tasks.joint", "write_plots"),
    ("microexp.train.job", "write_metrics"),
)


def _recorded(writer: Callable[..., Any], name: str, log: Path) -> Callable[..., Any]:
    @functools.wraps(writer)
    def write(*args: Any, **kwargs: Any) -> Any:
        with log.open("a") as f:
            f.write(f"{name}\n")
        return writer(*args, **kwargs)

    write.probed = True  # type: ignore[attr-defined]
    return write


class DDPProbe(pl.Callback):
    def __init__(self, out: str) -> None:
        self.out = Path(out)
        self.seen: dict[str, Any] = {"draws": None, "train": [], "test": []}

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        import importlib

        self.rank = trainer.global_rank
        self.out.mkdir(parents=True, exist_ok=True)
        log = self.out / f"writes_rank{self.rank}.txt"
        for module_name, name in WRITERS:
            module = importlib.import_module(module_name)
            writer = getattr(module, name)
            if not getattr(writer, "probed", False):
                setattr(module, name, _recorded(writer, name, log))
        dm = trainer.datamodule
        self.seen["world"] = trainer.world_size
        self.seen["seed"] = dm.seed
        self.seen["items"] = len(dm.train_set)
        self.seen["labels"] = dm.train_set.labels
        self.seen["train_clips"] = [[c.clip.subject, c.clip.episode] for c in dm.train_set.clips]
        self.seen["test_clips"] = [[c.clip.subject, c.clip.episode] for c in dm.test_set.clips]

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.seen["draws"] is None:
            self.seen["draws"] = [int(i) for i in trainer.train_dataloader.sampler]

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.seen["train"] += [list(c) for c in zip(batch["subject"], batch["episode"])]

    def on_test_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=0) -> None:
        self.seen["test"] += [list(c) for c in zip(batch["subject"], batch["episode"])]

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        (self.out / f"rank{self.rank}.json").write_text(json.dumps(self.seen))
