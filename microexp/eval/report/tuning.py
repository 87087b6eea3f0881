"""Folds whose test subject took part in the hyper-parameter tuning (``tuning_subjects`` in
``metrics.json``): their scores are not independent of the tuning, and the report says so."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from microexp.eval.report.contents import GroupReport
from microexp.eval.report.runs import label

logger = logging.getLogger(__name__)


def tuning_warnings(groups: Mapping[str, GroupReport], roots: Sequence[Path] = ()) -> list[str]:
    """One warning per pooled fold whose test subjects include a tuning subject."""
    warnings = []
    for name, g in groups.items():
        for run in g.runs:
            tuned = set(run.metrics.get("tuning_subjects") or [])
            shared = sorted(tuned.intersection(run.test_subjects))
            if shared:
                warnings.append(
                    f"{name}: {label(run, roots)} tests {', '.join(shared)}, which took part in "
                    "the hyper-parameter tuning (tuning_subjects): this fold's scores are not "
                    "independent of the tuning"
                )
    for w in warnings:
        logger.warning("%s", w)
    return warnings
