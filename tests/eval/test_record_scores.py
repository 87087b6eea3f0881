"""The record scores the joint task hands to ``train.py``."""

from __future__ import annotations


def test_scores_from_records_is_reexported_by_the_task() -> None:
    from microexp.eval import figures, record_scores
    from microexp.tasks import joint

    assert joint.scores_from_records is record_scores.scores_from_records
    assert joint.write_plots is figures.write_plots
