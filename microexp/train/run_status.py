"""``run_status.json`` kept up to date while a run trains: ``running`` from the start, then
``finished`` (with the epochs done and planned), ``failed`` (with the error) or ``interrupted``
(Ctrl-C), so that "the newest finished run" recipes (``microexp.predict``) skip the others."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pytorch_lightning.utilities import rank_zero_only

from microexp.checkpoints import write_run_status

#: The status writers of the runs in progress in this process (a joint run and the backbone
#: run it trains first), innermost last.
_ACTIVE: list[Callable[[str], None]] = []


@dataclass
class Progress:
    """What the run has done so far (``train`` updates it)."""

    epochs_done: int = 0


@contextmanager
def recorded(run_dir: Path, stage: str, epochs_planned: int | None) -> Iterator[Progress]:
    """Write ``running`` now and how the block ended when it ends (the exception re-raised)."""
    progress = Progress()

    @rank_zero_only  # under DDP the file is rank 0's, as every artefact
    def write(status: str, error: str | None = None) -> None:
        write_run_status(
            run_dir,
            status,
            stage=stage,
            epochs_done=progress.epochs_done,
            epochs_planned=epochs_planned,
            error=error,
        )

    write("running")
    _ACTIVE.append(write)
    try:
        yield progress
    except (KeyboardInterrupt, SystemExit):  # inside fit, Lightning exits after Ctrl-C
        write("interrupted")
        raise
    except BaseException as exc:
        write("failed", (str(exc).strip().splitlines() or [type(exc).__name__])[0])
        raise
    finally:
        _ACTIVE.remove(write)
    write("finished")


def mark_interrupted() -> None:
    """Mark every run in progress in this process ``interrupted`` (a process about to stop)."""
    for write in reversed(_ACTIVE):
        write("interrupted")
