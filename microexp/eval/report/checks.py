"""Warnings about the numbers themselves: a score that is undefined where the method claims it, a
score a constant predictor gets for free, and a paper row printed beside ``n/a``.

They go into the report's warning list, so ``--strict`` fails on them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from microexp.eval.report.contents import (
    FOLD_SCORES,
    RECOGNITION_SCORES,
    SPOTTING_SCORES,
    GroupReport,
    Report,
    is_number,
    why_key,
)


def _undefined(g: GroupReport) -> list[str]:
    """The scores the method claims (recognition, spotting) that are null when pooled."""
    claimed = [k for k in RECOGNITION_SCORES if g.recognition]
    claimed += [k for k in SPOTTING_SCORES if g.spotting]
    out = []
    for key in claimed:
        if g.pooled.get(key) is None:
            why = g.pooled.get(why_key(key)) or "no clip to score"
            out.append(f"{FOLD_SCORES[key]} undefined over the pooled folds: {why}")
    return out


def _degenerate(g: GroupReport) -> list[str]:
    """Predictions a constant predictor makes: one class for every clip, one intensity for
    every frame, no spotted interval at all."""
    out = []
    records = g.records
    if g.recognition:
        predicted = Counter(r.pred_label for r in records if r.pred_label >= 0 and r.label >= 0)
        if len(predicted) == 1 and len(records) > 1:
            [label] = predicted
            name = g.classes[label] if 0 <= label < len(g.classes) else str(label)
            share = sum(r.label == label for r in records) / len(records)
            out.append(
                f"predicts one class ({name}) for every clip: its accuracy is that class's share "
                f"({100 * share:.2f}%), what a constant predictor gets; UF1/UAR are those of a "
                "constant predictor"
            )
    if g.spotting and records:
        values = np.concatenate([r.intensity for r in records])
        if values.size > 1 and np.ptp(values) == 0:
            out.append(
                f"predicts the same intensity ({values[0]:.4g}) for every frame: frame and "
                "phase AUC are those of a constant predictor (50%)"
            )
        if not any(r.intervals for r in records):
            out.append("spots no interval in any clip: interval F1 counts every truth missed")
    return out


def _paper_rows(report: Report) -> list[str]:
    """A published row of Table 1 or 2 printed beside ``n/a`` for a method that ran."""
    from microexp.eval.report.tables import table_rows

    out = []
    for which in (1, 2):
        for row in table_rows(report, which):
            if row.get("published") is None or row.get("group") is None:
                continue
            if not is_number(row.get("ours")):
                out.append(
                    f"Table {which}: {row['method']} shows {row.get('why', 'n/a')} beside the "
                    f"paper's {row['published']:.2f}%"
                )
    return out


def metric_warnings(report: Report) -> list[str]:
    """Every undefined or degenerate score of the report's methods, and every paper row shown
    beside ``n/a``."""
    warnings: list[str] = []
    for g in report.groups.values():
        warnings += [f"{g.name}: {w}" for w in _undefined(g) + _degenerate(g)]
    return warnings + _paper_rows(report)
