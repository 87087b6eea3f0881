"""The training job: ``python train.py stage=joint`` (or ``python -m microexp.train``).

``train(cfg)`` instantiates the DataModule, the stage's LightningModule, callbacks, loggers and
trainer from the config, fits, tests, and writes ``metrics.json`` in the run folder. For
``stage=joint`` it first finds (or trains) the backbones (:mod:`microexp.train.handoff`). The
configuration, checkpoints, accelerator and data are checked before any data is prepared
(:mod:`microexp.train.checks`, :mod:`microexp.train.preflight`); ``run_status.json`` says how
the run ended (:mod:`microexp.train.run_status`).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import hydra
import pytorch_lightning as pl
from hydra.errors import InstantiationException
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.utilities import rank_zero_only

from microexp.checkpoints import CheckpointError, training_fps, write_match
from microexp.data.records import DataFormatError
from microexp.train.checks import check_config, in_search, tuning_subjects
from microexp.train.cli import single_job_argv
from microexp.train.config import (
    CONFIG_DIR,
    ConfigError,
    register_resolvers,
    resolved,
    run_key,
    run_meta,
)
from microexp.train.handoff import prepare_backbones
from microexp.train.interrupt import stop_cleanly_on_signals
from microexp.train.metrics import logged, run_metrics, write_metrics
from microexp.train.preflight import check_before_work
from microexp.train.quiet import fail, quiet_third_party
from microexp.train.resume import resume_path
from microexp.train.run_status import Progress, recorded

log = logging.getLogger(__name__)


def train(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit and test one stage. Returns (metrics, objects): the flat metrics written to
    ``metrics.json``, and the datamodule, model and trainer. Everything that can be checked
    from the config, the machine and the file system is checked first; ``run_status.json``
    in the run folder says how the run ended."""
    start = time.perf_counter()
    run_dir = Path(cfg.paths.output_dir)
    with recorded(run_dir, cfg.stage.name, cfg.trainer.get("max_epochs")) as progress:
        check_config(cfg, search=in_search())
        _check_data_root(cfg)
        datamodule = _build_datamodule(cfg)
        check_before_work(cfg, datamodule)
        return _fit_and_test(cfg, datamodule, run_dir, progress, start)


def _fit_and_test(
    cfg: DictConfig, datamodule: Any, run_dir: Path, progress: Progress, start: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    run_dir.mkdir(parents=True, exist_ok=True)
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True, verbose=False)
    stage = cfg.stage.name
    data = _prepare(datamodule)
    model = _model(cfg, datamodule)
    key = run_key(cfg, datamodule, stage)
    model.meta = run_meta(cfg, key, training_fps(_frame_rates(datamodule)))
    rank_zero_only(write_match)(run_dir / "checkpoints", key)
    hand_off = (
        prepare_backbones(cfg, model, datamodule, run_dir, train) if stage == "joint" else {}
    )

    has_val = datamodule.val_set is not None
    callbacks = _callbacks(cfg, has_val)
    loggers = _instantiate_all(cfg.get("logger"))
    # no validation subjects: no validation loop (rather than one over an empty list)
    no_val = {} if has_val else {"limit_val_batches": 0}
    trainer: pl.Trainer = hydra.utils.instantiate(
        cfg.trainer, callbacks=callbacks, logger=loggers or False, **no_val
    )
    objects = {"datamodule": datamodule, "model": model, "trainer": trainer}
    try:
        for logger in loggers:
            logger.log_hyperparams(resolved(cfg))
        resume = resume_path(cfg, datamodule, run_dir)
        trainer.fit(
            model, datamodule=datamodule, ckpt_path=resume, weights_only=True if resume else None
        )
        progress.epochs_done = trainer.current_epoch
        # the last validation scores (trainer.test replaces callback_metrics)
        val_scores = logged(trainer.callback_metrics, "val/")
        selected, test_ckpt = _tested_weights(cfg, trainer)
        trainer.test(
            model,
            datamodule=datamodule,
            ckpt_path=test_ckpt,
            weights_only=True if test_ckpt else None,
        )
        metrics = run_metrics(
            stage=stage,
            fold=cfg.split.fold,
            split=cfg.split.name,
            data=data,
            tuning_subjects=tuning_subjects(cfg),
            selected=selected,
            val=val_scores,
            test=logged(trainer.callback_metrics, "test/"),
            exact=_exact_scores(model),
            epochs=trainer.current_epoch,
            resumed_from=resume,
            width=cfg.width,
            pretrained=hand_off,
            seconds=round(time.perf_counter() - start, 1),
        )
        rank_zero_only(write_metrics)(run_dir / "metrics.json", metrics)
        log.info(
            "metrics: %s",
            {k: v for k, v in metrics.items() if k.startswith("test/") and v is not None},
        )
        log.info("run folder: %s", run_dir)
        return metrics, objects
    finally:
        progress.epochs_done = trainer.current_epoch
        if any(type(lg).__name__ == "WandbLogger" for lg in loggers):
            import wandb

            wandb.finish()


def _frame_rates(datamodule: Any) -> list[float]:
    """The frame rate of every clip (or long video) the run prepared."""
    data = datamodule.data
    if hasattr(data, "videos"):
        return [v.video.fps for v in data.videos]
    return [c.clip.fps for c in data.clips]


def _check_data_root(cfg: DictConfig) -> None:
    if cfg.data.get("root") is None or OmegaConf.is_missing(cfg.data, "root"):
        raise ConfigError(
            "data.root is not set: point it at your CASME II folder, e.g. "
            "`python train.py data=casme2 data.root=/path/to/CASME2` (the folder holding "
            "CASME2-coding-*.xlsx and Cropped/ or CASME2_RAW_selected/), or use data=synthetic"
        )


def _build_datamodule(cfg: DictConfig) -> Any:
    """The DataModule, built (its options checked) but not prepared."""
    try:
        return hydra.utils.instantiate(cfg.data)
    except InstantiationException as exc:  # a bad option: the DataModule's own message
        cause = exc.__cause__ or exc
        raise ConfigError(f"data: {cause}") from None


def _prepare(datamodule: Any) -> dict[str, Any]:
    """Prepare and set up ``datamodule`` for fitting; its summary."""
    log.info("data: %s", datamodule.root)
    datamodule.prepare_data()
    datamodule.setup("fit")
    data = datamodule.summary()
    log.info(
        "data: %d clips from %d subjects, %d skipped",
        data["clips"],
        data["subjects"],
        data["skipped"],
    )
    return data


def training_class_counts(datamodule: Any) -> list[int]:
    """Clips of each class among the TRAINING clips (the DataModule's training split only:
    validation and test clips never weigh the loss)."""
    counts = [0] * len(datamodule.class_names)
    for clip in datamodule.train_set.clips:
        if clip.label >= 0:
            counts[clip.label] += 1
    return counts


def _model(cfg: DictConfig, datamodule: Any) -> Any:
    """The stage's LightningModule; the joint stage also gets the training clips' class counts
    (``model.class_weights=balanced`` weighs its loss by their inverse)."""
    if "class_weights" not in cfg.model:
        return hydra.utils.instantiate(cfg.model)
    counts = training_class_counts(datamodule)
    log.info("training clips per class: %s", dict(zip(datamodule.class_names, counts)))
    return hydra.utils.instantiate(cfg.model, class_counts=counts)


def _instantiate_all(group: DictConfig | None) -> list[Any]:
    """The objects of a config group (an entry set to null, e.g. ``callbacks.progress_bar=null``,
    is switched off)."""
    return [hydra.utils.instantiate(c) for c in (group or {}).values() if c is not None]


def _callbacks(cfg: DictConfig, has_val: bool) -> list[pl.Callback]:
    """The configured callbacks. With validation subjects, a checkpoint callback without a
    monitor watches the stage's validation metric (``stage.monitor``, ``stage.monitor_mode``);
    without, early stopping is dropped (there is nothing to watch)."""
    callbacks = _instantiate_all(cfg.get("callbacks"))
    if not has_val:
        return [cb for cb in callbacks if not isinstance(cb, pl.callbacks.EarlyStopping)]
    for cb in callbacks:
        if isinstance(cb, pl.callbacks.ModelCheckpoint) and cb.monitor is None:
            cb.monitor, cb.mode = cfg.stage.monitor, cfg.stage.monitor_mode
    return callbacks


def _tested_weights(cfg: DictConfig, trainer: pl.Trainer) -> tuple[str, str | None]:
    """Which weights the test scores come from (``test_ckpt``, checked to have validation
    subjects when ``best``): a description and the checkpoint to load (None: the last epoch's,
    in memory)."""
    if cfg.get("test_ckpt", "last") == "best":
        best = trainer.checkpoint_callback.best_model_path
        if best:
            return f"best {cfg.stage.monitor} on validation subjects", best
        log.warning("test_ckpt=best: no epoch was validated, testing the last epoch")
    return "last", None


def _exact_scores(model: Any) -> dict[str, Any] | None:
    """Scores recomputed in float64 from the per-clip records of the test (joint stage), so
    ``metrics.json`` agrees with ``predictions.csv`` to the last digit."""
    records = getattr(model, "records", None)
    if not records:
        return None
    from microexp.eval.record_scores import scores_from_records

    return scores_from_records(records, len(model.class_names))


def main() -> None:
    """Entry point of ``train.py`` and ``python -m microexp.train``."""
    register_resolvers()  # before Hydra composes: the optuna sweeper's storage uses ${dir:...}
    sys.argv = single_job_argv(sys.argv)
    run()


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def run(cfg: DictConfig) -> float | None:
    """One run (a sweep calls it once per trial); returns ``cfg.optimized_metric`` for
    sweepers. Bad configuration or data: one ``error: ...`` line on stderr (and in the run's
    log file) and exit status 1."""
    from microexp.tasks.base import NonFiniteLossError

    register_resolvers()  # again: a launcher may run this in a fresh worker process
    quiet_third_party()
    stop_cleanly_on_signals()
    try:
        metrics, _ = train(cfg)
    except (
        ConfigError,
        CheckpointError,
        DataFormatError,
        FileNotFoundError,
        NonFiniteLossError,
    ) as exc:
        fail(str(exc))
    value = metrics.get(cfg.get("optimized_metric"))
    return float(value) if isinstance(value, int | float) else None
