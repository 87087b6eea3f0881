"""The paper's Tables 1 and 2 as rows: each published row beside our matching method."""

from __future__ import annotations

import math
from typing import Any

from microexp.eval.report.contents import GroupReport, Report
from microexp.eval.report.paper_tables import TABLE1, TABLE2, PublishedRow


def table_rows(report: Report, which: int) -> list[dict[str, Any]]:
    """Rows of the paper's Table 1 (``which=1``, spotting AUC) or Table 2 (recognition accuracy):
    each published row beside our matching method, then our methods the paper has no row for."""
    published: tuple[PublishedRow, ...] = TABLE1 if which == 1 else TABLE2
    key, needs = ("auc", "spotting") if which == 1 else ("accuracy", "recognition")
    rows: list[dict[str, Any]] = []
    used: set[str] = set()

    def ours(g: GroupReport) -> dict[str, Any]:
        used.add(g.name)
        if not getattr(g, needs):
            return {"group": g.name, "ours": None, "why": f"n/a ({g.name} has no {needs} output)"}
        stats = g.per_fold.get(key, {"mean": math.nan, "std": math.nan, "n": 0})
        return {
            "group": g.name,
            "ours": g.pooled[key],
            "ours_mean": stats["mean"],
            "ours_std": stats["std"],
            "folds": stats["n"],
        }

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
    return rows
