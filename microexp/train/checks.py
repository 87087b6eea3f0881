"""Checks of a composed configuration, made before any data is read: model selection never sees
a test subject, and settings that would fail only after data preparation fail at once.

:func:`check_config` runs at the start of every run (``train``), and once before a sweep
launches anything (:class:`SweepCheck`, a Hydra callback), so that a search configured to
optimise a test metric stops before its sweeper opens a study.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from microexp.tasks.class_weights import check_spec
from microexp.train.config import ConfigError, plain

log = logging.getLogger(__name__)

TEST_PREFIX = "test/"
#: ``stage.pretrained`` of the joint stage (conf/stage/joint.yaml says what each does).
PRETRAINED = ("auto", "paths", "none")


def selection_metrics(cfg: DictConfig) -> list[tuple[str, str]]:
    """``(key, metric)`` of every metric that chooses something: the sweepers' objective
    (``optimized_metric``), the checkpoint monitor (``stage.monitor``) and each callback's
    ``monitor`` (early stopping)."""
    found = [
        ("optimized_metric", cfg.get("optimized_metric")),
        ("stage.monitor", cfg.stage.get("monitor")),
    ]
    for name, callback in (cfg.get("callbacks") or {}).items():
        if callback is not None and callback.get("monitor") is not None:
            found.append((f"callbacks.{name}.monitor", callback.monitor))
    return [(key, str(metric)) for key, metric in found if metric is not None]


def validation_subjects(cfg: DictConfig) -> list[str] | int:
    """What the DataModule is asked to hold out for validation (a count or subject names)."""
    value = plain(cfg.data.get("val_subjects", 0))
    return value if isinstance(value, int) else [str(s) for s in value or []]


def has_validation(cfg: DictConfig) -> bool:
    """Whether the run will have validation subjects (``holdout_clips`` never has)."""
    return cfg.data.get("split") != "holdout_clips" and bool(validation_subjects(cfg))


def check_config(cfg: DictConfig, *, search: bool = False) -> None:
    """Raise :class:`ConfigError` (one line: what is wrong and what to set) when ``cfg``
    would select on a test metric, test the best epoch without validation subjects, or (a
    hyper-parameter ``search``) not select every trial on its ``tuning.subjects``."""
    for key, metric in selection_metrics(cfg):
        if metric.startswith(TEST_PREFIX):
            raise ConfigError(
                f"{key}={metric} is a test metric: model selection, early stopping and "
                "hyper-parameter search never see a test subject; use a validation metric "
                "(val/uf1) with validation subjects (split.val_subjects)"
            )
    test_ckpt = cfg.get("test_ckpt", "last")
    if test_ckpt not in ("last", "best"):
        raise ConfigError(f"test_ckpt must be last or best, not {test_ckpt!r}")
    if test_ckpt == "best" and not has_validation(cfg):
        raise ConfigError(
            "test_ckpt=best tests the epoch that was best on the validation subjects, and this "
            f"run has none (split {cfg.data.get('split')}, split.val_subjects="
            f"{validation_subjects(cfg)}): set split.val_subjects (e.g. 2) or test_ckpt=last"
        )
    if search:
        _check_search(cfg)
    if cfg.stage.name == "joint":
        _check_pretrained(cfg)
    if "class_weights" in cfg.model:
        _check_class_weights(cfg)


def _check_search(cfg: DictConfig) -> None:
    tuning = tuning_subjects(cfg)
    val = validation_subjects(cfg)
    if not tuning or val != tuning:
        raise ConfigError(
            "a hyper-parameter search selects every trial on the same subjects: set "
            "tuning.subjects (names of training subjects) and leave split.val_subjects to it "
            f"(got tuning.subjects={tuning}, split.val_subjects={val})"
        )


def _check_pretrained(cfg: DictConfig) -> None:
    mode = cfg.stage.get("pretrained", "auto")
    if mode not in PRETRAINED:
        raise ConfigError(
            f"stage.pretrained must be one of {', '.join(PRETRAINED)}, not {mode!r} (auto: "
            "find or train the backbones; paths: stage.spatial_ckpt and stage.temporal_ckpt; "
            "none: train end to end)"
        )
    missing = [
        f"stage.{b}_ckpt" for b in ("spatial", "temporal") if not cfg.stage.get(f"{b}_ckpt")
    ]
    if mode == "paths" and missing:
        raise ConfigError(f"stage.pretrained=paths needs {' and '.join(missing)}")


def _check_class_weights(cfg: DictConfig) -> None:
    spec = plain(cfg.model.class_weights)
    try:
        check_spec(spec, len(plain(cfg.model.class_names)))
    except ValueError as exc:
        raise ConfigError(f"model.{exc}") from None
    if spec not in (None, "none") and cfg.data.get("balance") == "classes":
        log.warning(
            "model.class_weights=%s with data.balance=classes: the classes are both sampled "
            "evenly and weighted, which over-corrects (set one of them to none)",
            spec,
        )


def tuning_subjects(cfg: DictConfig) -> list[str]:
    """``tuning.subjects``: the subjects the hyper-parameters were tuned on (none: [])."""
    tuning = cfg.get("tuning") or {}
    return [str(s) for s in plain(tuning.get("subjects")) or []]


def in_search() -> bool:
    """Whether the current Hydra job is a trial of a hyper-parameter search."""
    from hydra.core.hydra_config import HydraConfig

    return HydraConfig.initialized() and _search_chosen(HydraConfig.get())


def _search_chosen(hydra_node: Any) -> bool:
    return hydra_node.runtime.choices.get("hparams_search") not in (None, "null")


class SweepCheck(Callback):
    """:func:`check_config` once before a sweep starts; ``error: ...`` and exit status 1."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            check_config(config, search=_search_chosen(config.hydra))
        except ConfigError as exc:  # no run folder (nor its log) exists yet: stderr only
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
