"""The paper's Tables 1 and 2 as rows: each published row beside our matching method.

Table 1 (spotting) shows the paper's frame AUC where it is defined for the data. Where too few
test frames lie outside the annotated intervals (clips cut at their onset and offset) it shows
apex MAE, apex hits and phase AUC instead, with the reference rows below; :func:`table1_metric`
says which, and why, in a sentence.
"""

from __future__ import annotations

import math
from typing import Any

from microexp.eval.gates import MIN_OUTSIDE_FRACTION, percent
from microexp.eval.report.contents import (
    REFERENCE_ROWS,
    GroupReport,
    Report,
    is_number,
    why_key,
)
from microexp.eval.report.paper_tables import TABLE1, TABLE2, PublishedRow

#: The scores shown beside Table 1's main metric when it is the apex MAE.
APEX_EXTRA: tuple[str, ...] = ("apex_hit", "phase_auc")


def _spotters(report: Report) -> list[GroupReport]:
    return [g for g in report.groups.values() if g.spotting]


def table1_metric(report: Report) -> tuple[str, str]:
    """Table 1's metric (``auc`` or ``apex_mae``) and the sentence that says which and why."""
    spotters = _spotters(report)
    if not spotters:
        return "auc", "No method of these runs spots (none predicts a per-frame intensity)."
    defined = [g for g in spotters if is_number(g.pooled.get("auc"))]
    if defined:
        g = defined[0]
        return "auc", (
            "Spotting metric: frame AUC (the predicted intensity of frames inside against "
            f"outside the annotated intervals), as in the paper: {percent(_outside(g))} of "
            f"{g.name}'s test frames lie outside the intervals (at least "
            f"{percent(MIN_OUTSIDE_FRACTION)} are needed)."
        )
    g = spotters[0]
    return "apex_mae", (
        "Spotting metric: apex MAE (frames between the predicted and the annotated apex; lower "
        "is better), with apex hits and phase AUC, not the paper's frame AUC, which is undefined "
        f"here: {g.pooled.get('auc_why') or 'no test frame lies outside the intervals'}. The "
        "reference rows (of "
        f"{g.name}'s test clips) give what the centre frame, the flow-magnitude peak and the "
        "whole clip score on the same clips; the published column is the paper's AUC."
    )


def _outside(g: GroupReport) -> float:
    value = g.pooled.get("outside_fraction")
    return value if is_number(value) else math.nan


def _ours(g: GroupReport, key: str, needs: str, extra: tuple[str, ...]) -> dict[str, Any]:
    """Our method's cells: pooled, per-fold mean ± std, and the ``extra`` pooled scores."""
    if not getattr(g, needs):
        return {"group": g.name, "ours": None, "why": f"n/a ({g.name} has no {needs} output)"}
    stats = g.per_fold.get(key, {"mean": math.nan, "std": math.nan, "n": 0})
    row = {
        "group": g.name,
        "ours": g.pooled[key],
        "ours_mean": stats["mean"],
        "ours_std": stats["std"],
        "folds": stats["n"],
        **{k: g.pooled[k] for k in extra},
    }
    if row["ours"] is None:
        row["why"] = f"n/a: {g.pooled.get(why_key(key)) or 'undefined'}"
    return row


def _reference_rows(g: GroupReport) -> list[dict[str, Any]]:
    """The reference rows of ``g``'s clips for Table 1 in the apex mode."""
    rows = []
    for name, title in REFERENCE_ROWS.items():
        p = g.pooled
        why = p.get(f"ref_{name}/apex_why") or p.get(f"ref_{name}/spot_f1_why")
        stats = g.per_fold.get(f"ref_{name}/apex_mae", {"mean": math.nan, "std": math.nan, "n": 0})
        row = {
            "method": title,
            "published": None,
            "published_text": None,
            "group": g.name,
            "reference": name,
            "ours": p.get(f"ref_{name}/apex_mae"),
            "ours_mean": stats["mean"],
            "ours_std": stats["std"],
            "folds": stats["n"],
            **{k: p.get(f"ref_{name}/{k}") for k in APEX_EXTRA},
        }
        if row["ours"] is None:
            row["why"] = "—" if name == "whole" else f"n/a: {why}"
        rows.append(row)
    return rows


def table_rows(report: Report, which: int) -> list[dict[str, Any]]:
    """Rows of the paper's Table 1 (``which=1``, spotting: :func:`table1_metric`) or Table 2
    (recognition accuracy): each published row beside our matching method, then our methods the
    paper has no row for (and, for Table 1 in the apex mode, the reference rows)."""
    published: tuple[PublishedRow, ...] = TABLE1 if which == 1 else TABLE2
    if which == 1:
        key, needs = table1_metric(report)[0], "spotting"
    else:
        key, needs = "accuracy", "recognition"
    extra = APEX_EXTRA if key == "apex_mae" else ()
    rows: list[dict[str, Any]] = []
    used: set[str] = set()

    def ours(g: GroupReport) -> dict[str, Any]:
        used.add(g.name)
        return _ours(g, key, needs, extra)

    for pub in published:
        matching = [g for g in report.groups.values() if g.method.row == pub.method]
        base = {"method": pub.method, "published": pub.value, "published_text": pub.text}
        if not matching:
            rows.append({**base, "group": None, "ours": None, "why": "not run"})
        for g in matching:
            suffix = f" — {g.name}" if len(matching) > 1 else ""
            rows.append({**base, "method": pub.method + suffix, **ours(g)})
    for g in report.groups.values():
        if g.name not in used and getattr(g, needs):
            rows.append(
                {
                    "method": f"{g.method.row} ({g.name})" if g.method.row != g.name else g.name,
                    "published": None,
                    "published_text": None,
                    **ours(g),
                }
            )
    if extra:
        rows += _reference_rows(_spotters(report)[0])
    return rows
