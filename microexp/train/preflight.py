"""Checks against the machine and the file system, made before any data is prepared or any flow
computed: the checkpoints a run is given (they exist, load, and are of the right stage), the
accelerator it asks for (the GPUs are visible), and the data (the release's sheet and frame tree
read, the split possible on its subjects). Each failure is one line saying what to set.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from microexp import checkpoints
from microexp.train.config import ConfigError

log = logging.getLogger(__name__)

#: Accelerator names that need a CUDA device.
_GPU = ("gpu", "cuda")


def check_before_work(cfg: DictConfig, datamodule: Any) -> None:
    """Raise :class:`ConfigError`, :class:`~microexp.checkpoints.CheckpointError` or
    :class:`~microexp.data.records.DataFormatError` (one line each) when the run's checkpoints,
    accelerator or data cannot be used. ``datamodule`` is built but not prepared."""
    check_checkpoints(cfg)
    check_accelerator(cfg)
    check_data(datamodule)


def check_checkpoints(cfg: DictConfig) -> None:
    """The backbone checkpoints (``stage.spatial_ckpt``, ``stage.temporal_ckpt``) and a resumed
    checkpoint given as a file (``ckpt_path``): each loads and holds its stage's weights."""
    stage = cfg.stage.name
    if stage == "joint" and cfg.stage.get("pretrained", "auto") != "none":
        for backbone in ("spatial", "temporal"):
            given = cfg.stage.get(f"{backbone}_ckpt")
            if given:
                _read(given, backbone, f"stage.{backbone}_ckpt")
    resume = cfg.get("ckpt_path")
    if resume not in (None, "", "last"):
        _read(resume, stage, "ckpt_path", resumable=True)


def _read(path: str, stage: str, key: str, *, resumable: bool = False) -> None:
    if not Path(path).is_file():
        raise ConfigError(f"{key}={path} does not exist (give the path of a .ckpt file)")
    checkpoints.read(path, stage, resumable=resumable)  # its error names the file and why


def check_accelerator(cfg: DictConfig) -> None:
    """A GPU trainer (or ``data.flow_device=cuda``) on a machine whose GPUs are not visible, or
    more devices than it has."""
    import torch

    visible = torch.cuda.device_count() if torch.cuda.is_available() else 0
    accelerator = str(cfg.trainer.get("accelerator", "auto"))
    if accelerator in _GPU:
        devices = cfg.trainer.get("devices", 1)
        if not visible:
            raise ConfigError(f"{_gpu_chosen_by(cfg)} and no GPU is visible: add trainer=cpu")
        if isinstance(devices, int) and devices > visible:
            raise ConfigError(
                f"trainer.devices={devices} asks for {devices} GPUs and {visible} "
                f"{'is' if visible == 1 else 'are'} visible: set trainer.devices={visible}"
            )
    flow_device = cfg.data.get("flow_device")
    if flow_device and str(flow_device).startswith("cuda") and not visible:
        raise ConfigError(
            f"data.flow_device={flow_device} and no GPU is visible: set data.flow_device=null "
            "(the flow is then computed on the CPU)"
        )


def _gpu_chosen_by(cfg: DictConfig) -> str:
    """Who asked for the GPU, in the words of the command line."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return f"trainer.accelerator={cfg.trainer.accelerator} asks for a GPU"
    hydra_cfg = HydraConfig.get()
    choices = hydra_cfg.runtime.choices
    trainer = choices.get("trainer")
    given = [o.split("=", 1)[0] for o in hydra_cfg.overrides.task]
    if "trainer" not in given and "trainer.accelerator" not in given:
        for group in ("experiment", "debug", "hparams_search"):
            if choices.get(group) not in (None, "null"):
                return f"{group}={choices[group]} selects trainer={trainer}"
    if "trainer.accelerator" in given:
        return f"trainer.accelerator={cfg.trainer.accelerator} asks for a GPU"
    return f"trainer={trainer} asks for a GPU"


def check_data(datamodule: Any) -> None:
    """Read the release (its sheet, frame tree and rows, no frame decoded) and make the split
    on its subjects, unless it is a synthetic set still to be generated."""
    from microexp.data.records import DataFormatError

    store = datamodule.store
    if store.synthetic is not None and not (store.root.is_dir() and any(store.root.iterdir())):
        return  # generated on first use, then read by the same reader
    try:
        found = store.read()
    except FileNotFoundError as exc:
        raise DataFormatError(str(exc)) from None
    split_of = getattr(datamodule, "split_of", None)
    if split_of is None:
        return  # the long-video DataModule makes its split from the videos when set up
    clips = found.clips
    if not clips:
        return  # the DataModule reports why no clip is usable, with the skips' reasons
    try:
        split_of(clips)
    except ValueError as exc:
        subjects = sorted({c.subject for c in clips})
        raise DataFormatError(
            f"cannot make the {datamodule.split_name} split of {store.root} ({len(subjects)} "
            f"subjects): {exc}"
        ) from None
