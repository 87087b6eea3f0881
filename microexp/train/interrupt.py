"""Ctrl-C (or SIGTERM) stops a training run at once and cleanly: the run folders in progress are
marked ``interrupted``, worker processes (flow pools, data loaders) are stopped, the semaphores
they shared released, and the process exits with status 130.

A plain ``KeyboardInterrupt`` is not enough: while the flow cache fills, the main thread waits
for a helper thread whose worker processes keep computing, so Python's exit would wait for them
and a second signal would kill the process with its semaphores leaked.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
from types import FrameType

from microexp.train.run_status import mark_interrupted

#: Exit status of a run stopped by a signal (as a shell reports Ctrl-C).
INTERRUPTED = 130


def stop_cleanly_on_signals() -> None:
    """Install the handler for SIGINT and SIGTERM (in the main thread; elsewhere, as in a
    launcher's thread, signals cannot be handled and nothing is installed)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)


def _stop(signum: int, frame: FrameType | None) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up
        signal.signal(sig, signal.SIG_IGN)
    print(
        f"interrupted ({signal.Signals(signum).name}): stopping worker processes; the run "
        "folder's run_status.json says interrupted",
        file=sys.stderr,
        flush=True,
    )
    mark_interrupted()
    # from here on, what dying helpers log (a worker pool found broken) is noise
    logging.disable(logging.CRITICAL)
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=10)
    # what the interpreter's exit would do for multiprocessing (release the semaphores and other
    # shared objects), without waiting for threads blocked on the stopped workers
    multiprocessing.util._exit_function()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(INTERRUPTED)
