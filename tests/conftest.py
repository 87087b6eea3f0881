"""Shared fixtures: a tiny synthetic CASME II and the real Hydra config composed on it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

# Tests are small: one thread avoids oversubscription on shared 2-core machines.
torch.set_num_threads(1)
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """15 clips of 3 subjects (5, 7 and 3) in the CASME II layout as released (folders of
    exactly onset..offset, classes as uneven as the release's: 6 others, 4 disgust, 2
    happiness, 2 repression, 1 surprise), generated once per session. Without the release's
    row errors, so that every clip is read (tests/data/synthetic reads those back)."""
    from microexp.data.synthetic import generate

    root = tmp_path_factory.mktemp("tiny") / "casme2"
    generate(root, subjects=3, clips=5, seed=0, quirks=False, workers=2, progress=False)
    return root


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frame/flow cache shared by the session's tests (the flow is computed once)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def tiny_datamodule(tiny_dataset: Path, cache_dir: Path) -> Callable[..., Any]:
    """Builds a prepared, set-up ``MicroExpDataModule`` on the tiny set (or ``root``, a copy of
    it) with the shared cache: OpenCV flow at frame stride 4, windows of 6 steps, no progress
    bars; keyword arguments override these and set any other option of the DataModule
    (``setup=False``: built only)."""
    from microexp.data.datamodule import MicroExpDataModule

    def build(
        root: Path | None = None, *, setup: bool = True, **options: Any
    ) -> MicroExpDataModule:
        args: dict[str, Any] = {
            "cache_dir": str(cache_dir),
            "flow_backend": "opencv",
            "frame_stride": 4,
            "seq_len": 6,
            "progress": False,
        }
        module = MicroExpDataModule(str(root or tiny_dataset), **(args | options))
        if setup:
            module.prepare_data()
            module.setup("fit")
        return module

    return build


def tiny_overrides(dataset: Path, cache: Path, out: Path) -> list[str]:
    """Overrides that make any stage run in seconds on the tiny set (``conf/debug/tiny.yaml``)
    with its data, cache and outputs where the test wants them, on LOSO fold 0 (``sub01``
    under test; the default split is the subject holdout)."""
    return [
        "debug=tiny",
        "split=loso",
        f"paths.root_dir={out}",
        f"paths.log_dir={out}/outputs",
        f"paths.output_dir={out}/outputs/run",
        f"data.root={dataset}",
        "data.synthetic=null",
        f"data.cache_dir={cache}",
    ]


@contextmanager
def composed(overrides: Sequence[str]) -> Iterator:
    """Compose the real config (with the Hydra node) and make it the current HydraConfig;
    Hydra stays initialised inside the block (stage hand-off composes sub-configs)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    from microexp.train.config import register_resolvers

    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
        with open_dict(cfg):
            cfg.hydra.runtime.output_dir = cfg.paths.output_dir
            cfg.hydra.runtime.cwd = str(ROOT)
        HydraConfig.instance().set_config(cfg)
        yield cfg
    GlobalHydra.instance().clear()
