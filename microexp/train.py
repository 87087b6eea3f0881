"""The training job: ``python train.py stage=joint`` (Hydra at the edge, everything else pure).

``train(cfg)`` instantiates the DataModule, the stage's LightningModule, callbacks, loggers and
trainer from the config, fits, tests, and writes ``metrics.json`` in the run folder. For
``stage=joint`` it first finds (or trains) the spatial and temporal backbones. ``main`` returns
the configured ``optimized_metric`` for sweepers.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

import hydra
import pytorch_lightning as pl
import torch
from omegaconf import DictConfig, OmegaConf, open_dict

from microexp.classes import PROTOCOLS
from microexp.data.records import DataFormatError

log = logging.getLogger(__name__)

META_FILE = "meta.json"
#: The configuration folder (``conf/`` at the repository root).
CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "conf")


def _register_resolvers() -> None:
    OmegaConf.register_new_resolver(
        "num_classes", lambda p: len(PROTOCOLS[str(p).split("-")[0]]), replace=True
    )
    OmegaConf.register_new_resolver(
        "class_names", lambda p: list(PROTOCOLS[str(p).split("-")[0]]), replace=True
    )
    # ``${dir:PATH}``: PATH, created if missing (the optuna sqlite file is opened before any
    # run folder exists)
    OmegaConf.register_new_resolver("dir", _ensure_dir, replace=True)


def _ensure_dir(path: str) -> str:
    Path(path).mkdir(parents=True, exist_ok=True)
    return str(path)


_register_resolvers()


class ConfigError(ValueError):
    """A configuration that cannot run; the message says what to set."""


# ------------------------------------------------------------------------------ helpers


def match_key(cfg: DictConfig, datamodule: Any, stage: str) -> dict[str, Any]:
    """What a checkpoint must share with this run to be reused or resumed: the data and its
    split, and everything that shapes the stage's training (model, optimiser, epochs, windows,
    augmentation, seed). ``cfg`` is the config of the stage the checkpoint belongs to."""
    summary = datamodule.summary()
    data = OmegaConf.to_container(cfg.data, resolve=True)
    for volatile in ("root", "cache_dir", "progress", "num_workers", "pin_memory", "synthetic"):
        data.pop(volatile, None)
    return {
        "stage": stage,
        "fingerprint": summary.get("fingerprint"),
        "data": data,
        "model": OmegaConf.to_container(cfg.model, resolve=True),
        "epochs": cfg.trainer.max_epochs,
        "seed": cfg.get("seed"),
    }


def find_checkpoint(
    root: Path, key: dict[str, Any], name: str, ignore: tuple[str, ...] = ()
) -> Path | None:
    """The newest ``checkpoints/<name>`` under ``root`` whose ``meta.json`` matches ``key``
    (the fields in ``ignore`` left out of the comparison)."""
    want = {k: v for k, v in key.items() if k not in ignore}
    found = []
    for meta_path in Path(root).glob(f"**/checkpoints/{META_FILE}"):
        try:
            meta = json.loads(meta_path.read_text())["match"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        ckpt = meta_path.parent / name
        if {k: v for k, v in meta.items() if k not in ignore} == want and ckpt.is_file():
            found.append(ckpt)
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def read_checkpoint(
    path: Path | str, stage: str | None = None, resumable: bool = False
) -> dict[str, Any]:
    """Load a checkpoint (``weights_only``) or raise :class:`ConfigError` naming the file: cut
    short, not a PyTorch file, no ``state_dict``, (``stage`` given) another stage's, or
    (``resumable``) not a Lightning training checkpoint that ``fit`` can resume."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types on damaged files
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ConfigError(
            f"cannot load checkpoint {path}: damaged, cut short or not a checkpoint "
            f"({type(exc).__name__}: {why})"
        ) from exc
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict", ckpt), dict):
        raise ConfigError(f"checkpoint {path} holds no state_dict: not a training checkpoint")
    if resumable and not {"state_dict", "epoch", "loops"} <= set(ckpt):
        raise ConfigError(f"checkpoint {path} holds weights only: training cannot resume from it")
    meta = ckpt.get("microexp")
    saved = meta.get("stage") if isinstance(meta, dict) else None
    if stage is not None and saved is not None and saved != stage:
        raise ConfigError(f"checkpoint {path} is a {saved}-stage checkpoint, not a {stage} one")
    return ckpt


def load_state(
    path: Path, prefix: str = "net.", stage: str | None = None
) -> dict[str, torch.Tensor]:
    """A checkpoint's network weights (``weights_only`` load), with ``prefix`` stripped."""
    ckpt = read_checkpoint(path, stage)
    state = ckpt.get("state_dict", ckpt)
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


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


_MISSING = object()


def _hydra_context(sub: DictConfig):
    """Run ``train`` on a composed sub-config with its own HydraConfig."""
    from contextlib import contextmanager

    from hydra.core.hydra_config import HydraConfig

    @contextmanager
    def ctx():
        previous = HydraConfig.instance().cfg
        HydraConfig.instance().set_config(sub)
        try:
            yield
        finally:
            if previous is not None:
                HydraConfig.instance().cfg = previous

    return ctx()


def prepare_backbones(cfg: DictConfig, model: Any, datamodule: Any, run_dir: Path) -> dict:
    """Load (or first train) the spatial and temporal backbones of the joint network."""
    mode = cfg.stage.get("pretrained", "auto")
    if mode == "none":
        log.info("stage.pretrained=none: training the whole joint network end to end")
        for part, flag in (("spatial", "freeze_spatial"), ("temporal", "freeze_temporal")):
            setattr(model.net, flag, False)
            for p in getattr(model.net, part).parameters():
                p.requires_grad_(True)
        for p in model.net.spatial.head.parameters():  # fc7/fc8: not part of the joint net
            p.requires_grad_(False)
        return {"pretrained": "none"}
    paths: dict[str, Path | None] = {}
    subs: dict[str, DictConfig] = {}
    for stage in ("spatial", "temporal"):
        given = cfg.stage.get(f"{stage}_ckpt")
        if given:
            paths[stage] = Path(given)
            if not paths[stage].is_file():
                raise ConfigError(f"stage.{stage}_ckpt={given} does not exist")
        elif mode == "paths":
            raise ConfigError(f"stage.pretrained=paths needs stage.{stage}_ckpt")
        else:
            sub = _sub_stage_cfg(cfg, stage, run_dir / stage)
            paths[stage] = find_checkpoint(
                Path(cfg.paths.log_dir), match_key(sub, datamodule, stage), "last.ckpt"
            )
            subs[stage] = sub
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
            sub = subs[stage]
            with _hydra_context(sub):
                train(sub)
            paths[stage] = run_dir / stage / "checkpoints" / "last.ckpt"
    spatial = load_state(paths["spatial"], stage="spatial")
    temporal = load_state(paths["temporal"], stage="temporal")
    try:
        model.net.load_backbones(spatial, temporal)
    except RuntimeError as exc:  # another width or architecture
        raise ConfigError(
            f"backbone checkpoints {paths['spatial']} and {paths['temporal']} do not fit this "
            f"network (trained with other model settings?): {str(exc).splitlines()[0][:300]}"
        ) from exc
    log.info("backbones: spatial %s, temporal %s", paths["spatial"], paths["temporal"])
    return {
        "pretrained": mode,
        "spatial_ckpt": str(paths["spatial"]),
        "temporal_ckpt": str(paths["temporal"]),
        "trained_first": missing,
    }


def _resume_path(cfg: DictConfig, datamodule: Any, run_dir: Path) -> str | None:
    ckpt = cfg.get("ckpt_path")
    if ckpt in (None, ""):
        return None
    if ckpt != "last":
        if not Path(ckpt).is_file():
            raise ConfigError(f"ckpt_path={ckpt} does not exist")
        return str(ckpt)
    here = run_dir / "checkpoints" / "last.ckpt"
    if here.is_file():
        return str(here)
    # a resumed run may be asked to train for longer than the interrupted one: epochs may differ
    found = find_checkpoint(
        Path(cfg.paths.log_dir),
        match_key(cfg, datamodule, cfg.stage.name),
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


def checkpoint_meta(cfg: DictConfig, key: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a checkpoint carries to be used alone (``microexp.eval.predict``): the network's
    config, input size, frame stride, flow backend and parameters, spotting settings, and the
    ``key`` that stage hand-off and resume match on."""
    spot = cfg.model.get("spot")
    return {
        "net": OmegaConf.to_container(cfg.model.net, resolve=True),
        "image_size": cfg.data.size,
        "frame_stride": cfg.data.frame_stride,
        "flow": {
            "backend": cfg.data.flow_backend,
            "params": OmegaConf.to_container(cfg.data.flow_params, resolve=True),
            "compensate_head": cfg.data.compensate_head,
        },
        "spot": OmegaConf.to_container(spot, resolve=True) if spot is not None else None,
        "match": key,
    }


def resolved(cfg: DictConfig) -> dict[str, Any]:
    """The run's config as a plain dict, resolved, without the ``hydra`` node."""
    plain = {k: v for k, v in cfg.items() if k != "hydra"}
    return OmegaConf.to_container(OmegaConf.create(plain), resolve=True)


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}/{k}" if prefix else k, v, out)
    else:
        out[prefix] = value


def _number(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ------------------------------------------------------------------------------ train


def train(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit and test one stage. Returns (metrics, objects): the flat metrics written to
    ``metrics.json``, and the datamodule, model and trainer."""
    start = time.perf_counter()
    if cfg.data.get("root") is None or OmegaConf.is_missing(cfg.data, "root"):
        raise ConfigError(
            "data.root is not set: point it at your CASME II folder, e.g. "
            "`python train.py data=casme2 data.root=/path/to/CASME2` (the folder holding "
            "CASME2-coding-*.xlsx and Cropped/ or CASME2_RAW_selected/), or use data=synthetic"
        )
    run_dir = Path(cfg.paths.output_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)
    stage = cfg.stage.name

    log.info("data: %s", cfg.data.root)
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    data = datamodule.summary()
    log.info(
        "data: %d clips from %d subjects, %d skipped",
        data["clips"],
        data["subjects"],
        data["skipped"],
    )

    model = hydra.utils.instantiate(cfg.model)
    key = match_key(cfg, datamodule, stage)
    model.meta = checkpoint_meta(cfg, key)
    (run_dir / "checkpoints").mkdir(exist_ok=True)
    (run_dir / "checkpoints" / META_FILE).write_text(json.dumps({"match": key}, indent=1))
    hand_off = prepare_backbones(cfg, model, datamodule, run_dir) if stage == "joint" else {}

    # a group entry set to null (``callbacks.progress_bar=null``) is switched off
    callbacks = [
        hydra.utils.instantiate(c) for c in (cfg.get("callbacks") or {}).values() if c is not None
    ]
    has_val = datamodule.val_set is not None
    monitor = "val/accuracy" if stage == "joint" else "val/iou"
    for cb in callbacks:
        if isinstance(cb, pl.callbacks.ModelCheckpoint) and has_val and cb.monitor is None:
            cb.monitor, cb.mode = monitor, "max"
    loggers = [
        hydra.utils.instantiate(c) for c in (cfg.get("logger") or {}).values() if c is not None
    ]
    trainer: pl.Trainer = hydra.utils.instantiate(
        cfg.trainer, callbacks=callbacks, logger=loggers or False
    )
    objects = {"datamodule": datamodule, "model": model, "trainer": trainer}
    try:
        for logger in loggers:
            logger.log_hyperparams(resolved(cfg))
        resume = _resume_path(cfg, datamodule, run_dir)
        if resume:  # a damaged file: a clear error naming it, not a traceback from inside fit
            read_checkpoint(resume, stage, resumable=True)
        trainer.fit(
            model, datamodule=datamodule, ckpt_path=resume, weights_only=True if resume else None
        )
        # the last validation scores (trainer.test replaces callback_metrics)
        val_scores = {
            k: _number(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")
        }
        selected = "last"
        test_ckpt = None
        if cfg.get("test_ckpt", "last") == "best":
            best = trainer.checkpoint_callback.best_model_path if has_val else ""
            if best:
                selected, test_ckpt = f"best {monitor} on validation subjects", best
            else:
                log.warning(
                    "test_ckpt=best needs validation subjects (split.val_subjects); "
                    "testing the last epoch"
                )
        trainer.test(
            model,
            datamodule=datamodule,
            ckpt_path=test_ckpt,
            weights_only=True if test_ckpt else None,
        )
        metrics: dict[str, Any] = {
            "stage": stage,
            "fold": cfg.split.fold,
            "split": cfg.split.name,
            "test_subjects": data.get("split", {}).get("test", []),
            "selected": selected,
        }
        metrics.update(val_scores)
        for name, value in trainer.callback_metrics.items():
            if name.startswith("test/"):
                metrics[name] = _number(value)
        records = getattr(model, "records", None)
        if records:
            # exact (float64) scores from the per-clip records the run wrote, so metrics.json
            # agrees with predictions.csv to the last digit (the logged ones are float32)
            from microexp.tasks.joint import scores_from_records

            exact = scores_from_records(records, len(model.class_names))
            metrics.update({f"test/{k}": v for k, v in exact.items() if k != "clips"})
        for name in ("test/auc", "test/accuracy", "test/uf1", "test/uar", "test/spot_f1"):
            metrics.setdefault(name, None)
        _flat(
            "data",
            {
                k: data[k]
                for k in (
                    "clips",
                    "subjects",
                    "skipped",
                    "train_clips",
                    "val_clips",
                    "test_clips",
                    "frame_stride",
                )
            },
            metrics,
        )
        metrics["data/skipped_reasons"] = data["skipped_reasons"]
        metrics["data/fingerprint"] = data["fingerprint"]
        metrics["epochs"] = trainer.current_epoch
        metrics["resumed_from"] = resume
        metrics["width"] = cfg.width
        metrics.update({f"pretrained/{k}": v for k, v in hand_off.items()})
        metrics["seconds"] = round(time.perf_counter() - start, 1)
        (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
        log.info(
            "metrics: %s",
            {k: v for k, v in metrics.items() if k.startswith("test/") and v is not None},
        )
        log.info("run folder: %s", run_dir)
        return metrics, objects
    finally:
        if any(type(lg).__name__ == "WandbLogger" for lg in loggers):
            import wandb

            wandb.finish()


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Entry point of ``train.py``; returns ``cfg.optimized_metric`` for sweepers."""
    from microexp.tasks.base import NonFiniteLossError

    try:
        metrics, _ = train(cfg)
    except (ConfigError, DataFormatError, FileNotFoundError, NonFiniteLossError) as exc:
        log.error("%s", exc)
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    value = metrics.get(cfg.get("optimized_metric"))
    return float(value) if isinstance(value, int | float) else None


if __name__ == "__main__":
    main()
