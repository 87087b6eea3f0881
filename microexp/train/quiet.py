"""What ``train.py`` prints besides its own log: third-party noise silenced one known message at
a time (never a whole category), Lightning's notes sent to the run's log instead of stderr, and
an error said once.

Silenced: Lightning's advertisement for litlogger, its use of torch's deprecated ``LeafSpec`` (a
FutureWarning about Lightning's code, not ours), and its warning that the checkpoint folder is
not empty (it holds the run's ``meta.json``, written first on purpose). (torch's CUDA probing on
a machine without CUDA is silenced where the flow compiles, :mod:`microexp.flow.compiled`.)
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from typing import NoReturn

log = logging.getLogger(__name__)

#: (logger, message pattern) of log records that say nothing to a microexp user.
NOISY_RECORDS: tuple[tuple[str, str], ...] = (
    ("pytorch_lightning.utilities.rank_zero", r".*Tip: .*litlogger"),
    ("lightning_fabric.utilities.rank_zero", r".*Tip: .*litlogger"),
)
#: (category, message pattern) of warnings silenced.
NOISY_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    (FutureWarning, r"`isinstance\(treespec, LeafSpec\)` is deprecated"),
    (UserWarning, r"Checkpoint directory .*checkpoints exists and is not empty"),
)
#: Loggers whose records go to the run's handlers (console and log file) instead of their own
#: handler on stderr.
LIGHTNING_LOGGERS = ("pytorch_lightning", "lightning_fabric", "lightning.pytorch")


class _DropMatching(logging.Filter):
    """Drops the records whose message matches ``pattern``."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = re.compile(pattern)

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.match(record.getMessage())


def quiet_third_party() -> None:
    """Install the filters (idempotent) and, once the run's logging is configured (a handler
    on the root logger), route Lightning's loggers to it."""
    for name, pattern in NOISY_RECORDS:
        logger = logging.getLogger(name)
        if not any(
            isinstance(f, _DropMatching) and f.pattern.pattern == pattern for f in logger.filters
        ):
            logger.addFilter(_DropMatching(pattern))
    for category, pattern in NOISY_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern, category=category)
    if logging.getLogger().handlers:
        for name in LIGHTNING_LOGGERS:
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                if type(handler) is logging.StreamHandler:
                    logger.removeHandler(handler)
            logger.propagate = True


def fail(message: str, status: int = 1) -> NoReturn:
    """``error: message`` once on stderr (and in the run's log file, not on the console log),
    then exit with ``status``."""
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, "%s", (message,), None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)
