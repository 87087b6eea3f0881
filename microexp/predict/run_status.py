"""Whether a checkpoint's training run finished: the run folder's ``run_status.json`` (written
by ``microexp.train``) next to or above the checkpoint, else the checkpoint's own count of
epochs against the epochs its run planned (its match key)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from microexp import checkpoints

#: Written into a run folder by ``microexp.train``:
#: ``{"status": "finished"|"failed"|"interrupted", "epochs_done", "epochs_planned", "stage"}``.
STATUS_FILE = "run_status.json"


@dataclass(frozen=True)
class RunStatus:
    """How far the checkpoint's run got.

    Attributes:
        status: ``finished`` (early stopping included), ``failed``, ``interrupted``,
            ``unfinished`` (the checkpoint holds fewer epochs than planned) or ``unknown``.
        epochs_done, epochs_planned: None when not known.
        source: where this was read (the status file, or ``checkpoint``).
    """

    status: str
    epochs_done: int | None = None
    epochs_planned: int | None = None
    stage: str | None = None
    source: str = "checkpoint"

    @property
    def finished(self) -> bool:
        return self.status in ("finished", "unknown")

    def warning(self) -> str | None:
        """A line for the user when the run did not finish (None when it did or is unknown)."""
        if self.finished:
            return None
        done = "?" if self.epochs_done is None else self.epochs_done
        planned = "?" if self.epochs_planned is None else self.epochs_planned
        return (
            f"the checkpoint comes from an unfinished run ({self.status}, {done} of {planned} "
            f"epochs, from {self.source}): predictions may be poor; use a finished run's"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _from_file(path: Path) -> RunStatus | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        return None
    return RunStatus(
        data["status"],
        _int(data.get("epochs_done")),
        _int(data.get("epochs_planned")),
        data.get("stage") if isinstance(data.get("stage"), str) else None,
        str(path),
    )


def _epochs_done(ckpt: dict[str, Any]) -> int | None:
    """Epochs whose training finished before the checkpoint was saved (Lightning's loop
    state; else its ``epoch`` + 1)."""
    try:
        return int(ckpt["loops"]["fit_loop"]["epoch_progress"]["current"]["processed"])
    except (KeyError, TypeError, ValueError):
        epoch = _int(ckpt.get("epoch"))
        return None if epoch is None else epoch + 1


def run_status(path: Path, ckpt: dict[str, Any]) -> RunStatus:
    """The status of the run that wrote ``ckpt`` (loaded from ``path``)."""
    for folder in (path.parent, path.parent.parent):
        found = _from_file(folder / STATUS_FILE)
        if found is not None:
            return found
    meta = checkpoints.meta(ckpt)
    planned = _int((meta.get("match") or {}).get("epochs"))
    done = _epochs_done(ckpt)
    if planned is None or done is None:
        return RunStatus("unknown", done, planned, meta.get("stage"))
    status = "finished" if done >= planned or _stopped_early(ckpt) else "unfinished"
    return RunStatus(status, done, planned, meta.get("stage"))


def _stopped_early(ckpt: dict[str, Any]) -> bool:
    """Lightning's early stopping had run out of patience when the checkpoint was saved."""
    for name, state in (ckpt.get("callbacks") or {}).items():
        if str(name).startswith("EarlyStopping") and isinstance(state, dict):
            wait, patience = _int(state.get("wait_count")), _int(state.get("patience"))
            if wait is not None and patience is not None and wait >= patience:
                return True
    return False
