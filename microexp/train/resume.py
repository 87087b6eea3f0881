"""Which checkpoint a run resumes from (``ckpt_path``), checked before training starts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from microexp import checkpoints
from microexp.train.config import ConfigError, run_key

log = logging.getLogger(__name__)


def resume_path(cfg: DictConfig, datamodule: Any, run_dir: Path) -> str | None:
    """``ckpt_path``: None (a fresh run), a file, or ``last``: the run folder's own
    ``last.ckpt``, else the newest one of a matching run under ``paths.log_dir``. The file found
    for ``last`` is read first (a damaged one is a clear error naming it, not a traceback from
    inside fit; a file given is read by :mod:`microexp.train.preflight`)."""
    found = _find(cfg, datamodule, run_dir)
    if found is not None and cfg.get("ckpt_path") == "last":
        checkpoints.read(found, cfg.stage.name, resumable=True)
    return found


def _find(cfg: DictConfig, datamodule: Any, run_dir: Path) -> str | None:
    ckpt = cfg.get("ckpt_path")
    if ckpt in (None, ""):
        return None
    if ckpt != "last":  # a file: checked to exist and load before any data was read
        return str(ckpt)
    here = run_dir / "checkpoints" / "last.ckpt"
    if here.is_file():
        return str(here)
    # a resumed run may be asked to train for longer than the interrupted one: epochs may differ
    found = checkpoints.find(
        Path(cfg.paths.log_dir),
        run_key(cfg, datamodule, cfg.stage.name),
        "last.ckpt",
        ignore=("epochs",),
    )
    if found is None:
        raise ConfigError(
            f"ckpt_path=last: no last.ckpt of a matching {cfg.stage.name} run under "
            f"{cfg.paths.log_dir}"
        )
    log.info("resuming from %s", found)
    return str(found)
