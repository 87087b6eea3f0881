"""The Hydra side of the training job: where the configuration lives, its resolvers, and the
plain values (match key, checkpoint metadata) read off a composed config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from microexp.checkpoints import checkpoint_meta, match_key
from microexp.classes import protocol_of

#: The configuration folder (``conf/`` at the repository root).
CONFIG_DIR = str(Path(__file__).resolve().parents[2] / "conf")


class ConfigError(ValueError):
    """A configuration that cannot run; the message says what to set."""


def register_resolvers() -> None:
    """Register the resolvers the configuration uses (idempotent): ``${num_classes:D,P}`` and
    ``${class_names:D,P}`` of dataset D's protocol P, ``${dir:PATH}`` (PATH, created if
    missing: the optuna sqlite file is opened before any run folder exists), and
    ``${data_help:}`` (the releases in ``conf/data/``, for ``--help``)."""
    OmegaConf.register_new_resolver(
        "num_classes", lambda d, p: len(protocol_of(str(d), str(p)).classes), replace=True
    )
    OmegaConf.register_new_resolver(
        "class_names", lambda d, p: list(protocol_of(str(d), str(p)).classes), replace=True
    )
    OmegaConf.register_new_resolver("dir", _ensure_dir, replace=True)
    OmegaConf.register_new_resolver("data_help", data_help, replace=True)


def data_help() -> str:
    """``data=<name>  <what it is>`` for each release configured in ``conf/data/`` (the first
    clause of the file's opening comment), for ``train.py --help``."""
    lines = []
    for path in sorted(Path(CONFIG_DIR, "data").glob("*.yaml")):
        comment = []
        for line in path.read_text().splitlines():
            if not line.startswith("#"):
                break
            comment.append(line.lstrip("# ").strip())
        text = " ".join(comment)
        first = re.split(r": |\. |\.$", text, maxsplit=1)[0] if text else ""
        lines.append(f"  data={path.stem:<14} {first}".rstrip())
    return "\n".join(lines)


def _ensure_dir(path: str) -> str:
    Path(path).mkdir(parents=True, exist_ok=True)
    return str(path)


def plain(node: Any) -> Any:
    """A config node as plain dicts and lists, resolved (a plain value as it is)."""
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def resolved(cfg: DictConfig) -> dict[str, Any]:
    """The run's config as a plain dict, resolved, without the ``hydra`` node."""
    return plain(OmegaConf.create({k: v for k, v in cfg.items() if k != "hydra"}))


def run_key(cfg: DictConfig, datamodule: Any, stage: str) -> dict[str, Any]:
    """The match key (:func:`microexp.checkpoints.match_key`) of a run of ``stage`` configured
    by ``cfg`` on ``datamodule``'s data."""
    return match_key(
        stage,
        datamodule.summary().get("fingerprint"),
        plain(cfg.data),
        plain(cfg.model),
        cfg.trainer.max_epochs,
        cfg.get("seed"),
    )


def run_meta(
    cfg: DictConfig, key: dict[str, Any] | None = None, fps: float | None = None
) -> dict[str, Any]:
    """What the run's checkpoints carry to be used alone (``microexp.predict``); ``fps``: the
    training clips' frame rate."""
    return checkpoint_meta(plain(cfg.model), plain(cfg.data), key, fps)
