"""The metrics each baseline has (null where they do not apply), from its clip records."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from microexp.baselines import SPOTTING
from microexp.eval.record_scores import scores_from_records
from microexp.eval.records import ClipRecord

log = logging.getLogger(__name__)


def applicable_scores(
    records: Sequence[ClipRecord], method: str, num_classes: int
) -> dict[str, Any]:
    """The network's test scores (:func:`~microexp.eval.record_scores.scores_from_records`, the
    same keys), null where they do not apply to ``method``.

    Spotting methods (``lbp``, ``hoof``): the spotting scores of their curves, no recognition.
    Recognition (``lbptop_svm``): accuracy, UF1, UAR over the labelled clips, no spotting. The
    reference rows are computed for every method. Pool the records of several folds to get the
    pooled LOSO numbers.
    """
    spotting = method in SPOTTING
    unlabelled = sum(r.label < 0 for r in records)
    if unlabelled and not spotting:
        log.warning("%d clips without a class are left out of the recognition scores", unlabelled)
    return scores_from_records(records, num_classes, recognition=not spotting, spotting=spotting)
