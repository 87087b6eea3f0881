"""The stage hand-off: a joint run loads the spatial and temporal backbones (given paths, or the
newest matching checkpoints under ``paths.log_dir``), trains the missing ones first, or trains
end to end (``stage.pretrained=none``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from microexp import checkpoints
from microexp.train.config import ConfigError, run_key

log = logging.getLogger(__name__)

BACKBONES = ("spatial", "temporal")
_MISSING = object()


def prepare_backbones(
    cfg: DictConfig,
    model: Any,
    datamodule: Any,
    run_dir: Path,
    train: Callable[[DictConfig], Any],
) -> dict[str, Any]:
    """Load (or first train, with ``train``) the spatial and temporal backbones of the joint
    network. Returns what ``metrics.json`` records under ``pretrained/``."""
    mode = cfg.stage.get("pretrained", "auto")
    if mode == "none":
        _end_to_end(model)
        return {"pretrained": "none"}
    paths, subs = _locate(cfg, datamodule, run_dir)
    missing = [s for s, p in paths.items() if p is None]
    if missing:
        log.warning(
            "no matching %s checkpoint(s) under %s: training %s first, each in its own run "
            "folder inside %s",
            " and ".join(missing),
            cfg.paths.log_dir,
            " and ".join(missing),
            run_dir,
        )
        for stage in missing:
            with _hydra_config(subs[stage]):
                train(subs[stage])
            paths[stage] = run_dir / stage / "checkpoints" / "last.ckpt"
    _load(model, paths)
    return {
        "pretrained": mode,
        "spatial_ckpt": str(paths["spatial"]),
        "temporal_ckpt": str(paths["temporal"]),
        "trained_first": missing,
    }


def _end_to_end(model: Any) -> None:
    log.info("stage.pretrained=none: training the whole joint network end to end")
    for part, flag in (("spatial", "freeze_spatial"), ("temporal", "freeze_temporal")):
        setattr(model.net, flag, False)
        for p in getattr(model.net, part).parameters():
            p.requires_grad_(True)
    for p in model.net.spatial.head.parameters():  # fc7/fc8: not part of the joint net
        p.requires_grad_(False)
    # the backbones were frozen (eval mode) when built, and Lightning keeps the modes it finds
    model.net.train()


def _locate(
    cfg: DictConfig, datamodule: Any, run_dir: Path
) -> tuple[dict[str, Path | None], dict[str, DictConfig]]:
    """Each backbone's checkpoint (None: to be trained) and, when searched, its stage config."""
    paths: dict[str, Path | None] = {}
    subs: dict[str, DictConfig] = {}
    for stage in BACKBONES:
        given = cfg.stage.get(f"{stage}_ckpt")
        if given:  # checked to exist, load and be of its stage before any data was read
            paths[stage] = Path(given)
        else:
            sub = _sub_stage_cfg(cfg, stage, run_dir / stage)
            key = run_key(sub, datamodule, stage)
            paths[stage] = checkpoints.find(Path(cfg.paths.log_dir), key, "last.ckpt")
            subs[stage] = sub
    return paths, subs


def _load(model: Any, paths: dict[str, Path | None]) -> None:
    spatial = checkpoints.weights(checkpoints.read(paths["spatial"], "spatial"))
    temporal = checkpoints.weights(checkpoints.read(paths["temporal"], "temporal"))
    try:
        model.net.load_backbones(spatial, temporal)
    except RuntimeError as exc:  # another width or architecture
        raise ConfigError(
            f"backbone checkpoints {paths['spatial']} and {paths['temporal']} do not fit this "
            f"network (trained with other model settings?): {str(exc).splitlines()[0][:300]}"
        ) from exc
    log.info("backbones: spatial %s, temporal %s", paths["spatial"], paths["temporal"])


def _sub_stage_cfg(cfg: DictConfig, stage: str, out_dir: Path) -> DictConfig:
    """The config of a backbone stage run from inside a joint run: the same overrides, except
    ``model.*`` ones naming keys the backbone's model does not have (joint-only settings)."""
    from hydra import compose
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not GlobalHydra.instance().is_initialized():
        raise ConfigError(
            "stage.pretrained=auto composes the spatial/temporal configs and needs Hydra (run "
            "train.py); otherwise give stage.spatial_ckpt and stage.temporal_ckpt, or set "
            "stage.pretrained=none"
        )
    overrides = [
        o
        for o in HydraConfig.get().overrides.task
        if not o.startswith(("stage=", "stage.", "hydra", "ckpt_path="))
    ]
    parser = OverridesParser.create()
    model_keys = {o: parser.parse_override(o).key_or_group for o in overrides}
    others = [o for o in overrides if not model_keys[o].startswith("model.")]
    base = compose(config_name="config", overrides=[*others, f"stage={stage}"])
    kept, dropped = [], []
    for o in overrides:
        key = model_keys[o]
        if key.startswith("model."):
            exists = OmegaConf.select(base, key, default=_MISSING) is not _MISSING
            (kept if exists else dropped).append(o)
    if dropped:
        log.info("%s stage: not applying joint-only overrides %s", stage, dropped)
    sub = compose(
        config_name="config",
        overrides=[*others, *kept, f"stage={stage}"],
        return_hydra_config=True,
    )
    with open_dict(sub):
        sub.paths.output_dir = str(out_dir)
        sub.hydra.runtime.output_dir = str(out_dir)
    return sub


@contextmanager
def _hydra_config(sub: DictConfig) -> Iterator[None]:
    """``sub`` as the current HydraConfig while a backbone stage trains inside a joint run."""
    from hydra.core.hydra_config import HydraConfig

    previous = HydraConfig.instance().cfg
    HydraConfig.instance().set_config(sub)
    try:
        yield
    finally:
        if previous is not None:
            HydraConfig.instance().cfg = previous
