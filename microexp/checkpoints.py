"""Checkpoints: the one reader (``weights_only``), the metadata a run writes into and beside
them, and the search for the newest checkpoint of a matching run.

A training run stores, in ``checkpoint["microexp"]``, its stage, classes and what inference needs
(:func:`checkpoint_meta`), and writes ``checkpoints/meta.json`` holding its :func:`match_key`:
what another run must share with it to reuse (stage hand-off) or resume it (:func:`find`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch

#: Beside the checkpoints of a run: ``{"match": <match key>}``.
META_FILE = "meta.json"
#: Data settings that do not change what a run learns (where files are, how they are read).
VOLATILE_DATA = ("root", "cache_dir", "progress", "num_workers", "pin_memory", "synthetic")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and says why."""


def read(path: Path | str, stage: str | None = None, *, resumable: bool = False) -> dict[str, Any]:
    """Load a checkpoint (``weights_only``) or raise :class:`CheckpointError` naming the file:
    missing, cut short, not a PyTorch file, no ``state_dict``, (``stage`` given) another stage's,
    or (``resumable``) not a Lightning training checkpoint that ``fit`` can resume."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} is not a file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types on damaged files
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        why = f"{type(exc).__name__}: {first}"
        if "weights_only" in str(exc):  # never torch's advice to load unsafely
            why = "it holds Python objects that a safe load refuses"
        raise CheckpointError(
            f"cannot load checkpoint {path}: damaged, cut short or not a checkpoint ({why})"
        ) from exc
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict", ckpt), dict):
        raise CheckpointError(f"checkpoint {path} holds no state_dict: not a training checkpoint")
    if resumable and not {"state_dict", "epoch", "loops"} <= set(ckpt):
        raise CheckpointError(
            f"checkpoint {path} holds weights only: training cannot resume from it"
        )
    saved = meta(ckpt).get("stage")
    if stage is not None and saved is not None and saved != stage:
        hint = (
            ": use the joint run's own checkpoints/last.ckpt, not those of the spatial/ or "
            "temporal/ runs inside its folder"
            if stage == "joint"
            else ""
        )
        raise CheckpointError(
            f"checkpoint {path} is a {saved}-stage checkpoint, not a {stage} one{hint}"
        )
    return ckpt


def meta(ckpt: Mapping[str, Any]) -> dict[str, Any]:
    """What microexp stored in a loaded checkpoint (``{}`` for weights saved by other code)."""
    found = ckpt.get("microexp")
    return found if isinstance(found, dict) else {}


def weights(ckpt: Mapping[str, Any], prefix: str = "net.") -> dict[str, torch.Tensor]:
    """A loaded checkpoint's weights under ``prefix`` (the network's), with ``prefix`` stripped."""
    state = ckpt.get("state_dict", ckpt)
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def match_key(
    stage: str,
    fingerprint: str | None,
    data: Mapping[str, Any],
    model: Mapping[str, Any],
    epochs: int,
    seed: int | None,
) -> dict[str, Any]:
    """What a checkpoint must share with a run to be reused or resumed: the data (its
    ``fingerprint`` and settings, resolved) and its split, and everything that shapes the stage's
    training (model, optimiser, epochs, windows, augmentation, seed)."""
    return {
        "stage": stage,
        "fingerprint": fingerprint,
        "data": {k: v for k, v in data.items() if k not in VOLATILE_DATA},
        "model": dict(model),
        "epochs": epochs,
        "seed": seed,
    }


def checkpoint_meta(
    model: Mapping[str, Any],
    data: Mapping[str, Any],
    key: dict[str, Any] | None = None,
    fps: float | None = None,
) -> dict[str, Any]:
    """What a checkpoint carries to be used alone (inference), from the run's resolved ``model``
    and ``data`` settings: the network's config, input size, how faces were squared, the frame
    stride and the frame rate of the training clips (``fps``: a step spans ``frame_stride /
    fps`` seconds), the flow (backend, parameters, reference frame, lag, size, head motion),
    spotting settings, and the match ``key``."""
    return {
        "net": model["net"],
        "image_size": data["size"],
        "square": data.get("square", "crop"),
        "frame_stride": data["frame_stride"],
        "fps": fps,
        "flow": {
            "backend": data["flow_backend"],
            "params": data["flow_params"],
            "compensate_head": data["compensate_head"],
            "reference": data.get("flow_reference"),
            "lag": data.get("flow_lag"),
            "size": data.get("flow_size"),
        },
        "spot": model.get("spot"),
        "match": key,
    }


def training_fps(rates: Iterable[float]) -> float | None:
    """The frame rate a run trained at: that of its clips (the most common one when a mixed
    set has several; None for no clip)."""
    counts = Counter(float(r) for r in rates)
    return counts.most_common(1)[0][0] if counts else None


def write_match(folder: Path, key: dict[str, Any]) -> Path:
    """``folder/meta.json`` holding ``key`` (the folder is created)."""
    folder.mkdir(exist_ok=True)
    path = folder / META_FILE
    path.write_text(json.dumps({"match": key}, indent=1))
    return path


def find(root: Path, key: dict[str, Any], name: str, ignore: tuple[str, ...] = ()) -> Path | None:
    """The newest ``checkpoints/<name>`` under ``root`` whose ``meta.json`` matches ``key``
    (the fields in ``ignore`` left out of the comparison)."""
    want = {k: v for k, v in key.items() if k not in ignore}
    found = []
    for meta_path in Path(root).glob(f"**/checkpoints/{META_FILE}"):
        try:
            saved = json.loads(meta_path.read_text())["match"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        ckpt = meta_path.parent / name
        if {k: v for k, v in saved.items() if k not in ignore} == want and ckpt.is_file():
            found.append(ckpt)
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


#: In a run folder: how the run ended, ``{"status", "epochs_done", "epochs_planned", "stage"}``
#: (and ``error`` when it failed), so that "the newest finished run" can skip the others.
RUN_STATUS_FILE = "run_status.json"
#: ``running`` while it trains (and for ever if the process was killed), then one of the others.
RUN_STATES = ("running", "finished", "failed", "interrupted")


def write_run_status(
    run_dir: Path,
    status: str,
    *,
    stage: str,
    epochs_done: int,
    epochs_planned: int | None,
    error: str | None = None,
) -> Path:
    """``run_dir/run_status.json``, written atomically."""
    from microexp.io import atomic_write_text

    if status not in RUN_STATES:
        raise ValueError(f"run status must be one of {RUN_STATES}, not {status!r}")
    record: dict[str, Any] = {
        "status": status,
        "epochs_done": epochs_done,
        "epochs_planned": epochs_planned,
        "stage": stage,
    }
    if error is not None:
        record["error"] = error
    path = Path(run_dir) / RUN_STATUS_FILE
    atomic_write_text(path, json.dumps(record, indent=1))
    return path


def read_run_status(run_dir: Path) -> dict[str, Any] | None:
    """The run folder's ``run_status.json`` (None: absent or unreadable, e.g. an older run)."""
    try:
        record = json.loads((Path(run_dir) / RUN_STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("status") in RUN_STATES else None
