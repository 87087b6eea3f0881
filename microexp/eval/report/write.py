"""Writing the report folder: each method's figures, ``report.md`` and ``report.json``."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from microexp.eval.gates import inside_outside_why
from microexp.eval.records import pooled_frames
from microexp.eval.report.build import build_report
from microexp.eval.report.contents import GroupReport, Report, ReportError, slug
from microexp.eval.report.markdown import relative, render_markdown
from microexp.eval.report.paper_tables import (
    OURS_LABEL,
    PUBLISHED_LABEL,
    TABLE1_TITLE,
    TABLE2_TITLE,
)
from microexp.eval.report.published import COMPOSITE, PUBLISHED, SPOTTING
from microexp.eval.report.tables import table1_metric, table_rows


def _missing(g: GroupReport) -> dict[str, str]:
    """Why each figure of the standard set that ``write_plots`` did not draw is missing."""
    from microexp.eval.figures import FIG2_PANELS

    why: dict[str, str] = {}
    if not g.spotting:
        reason = "the method predicts no per-frame intensity (recognition only)"
        why |= {"roc": reason, **{f"fig2_{p}": reason for p in FIG2_PANELS}}
    elif "roc" not in g.plots:
        why["roc"] = (
            inside_outside_why(pooled_frames(g.records)[1], "the ROC curve")
            or "the frame ROC is undefined on these frames"
        )
    if not g.recognition:
        reason = "the method predicts no class (spotting only)"
        why |= {"confusion": reason, "subject_accuracy": reason}
    return {k: v for k, v in why.items() if k not in g.plots}


def write_figures(report: Report) -> None:
    """Each method's PNGs into ``out/<method>/``; every spotting method's pooled ROC curve on
    one plot (``roc_methods.png``); what is not drawn, with the reason, in ``missing``."""
    from microexp.eval import plots  # matplotlib, torch: only once there is something to draw
    from microexp.eval.figures import write_plots

    for g in report.groups.values():
        title = f"{g.method.row} ({g.name}), {len(g.runs)} fold{'s' if len(g.runs) != 1 else ''}"
        g.plots = write_plots(
            g.records,
            report.out / slug(g.name),
            g.classes,
            g.spot,
            3,
            title,
            recognition=g.recognition,
            spotting=g.spotting,
            curve=g.method.row,
        )
        g.missing = _missing(g)
    curves = {f"{g.method.row} ({g.name})": g.roc for g in report.groups.values() if g.roc}
    if curves:
        report.plots["roc_methods"] = plots.plot_roc(
            curves,
            report.out / "roc_methods.png",
            title="Frame-level spotting ROC, pooled over all folds",
        )
    else:
        whys = [f"{g.name}: {g.missing.get('roc', 'no ROC')}" for g in report.groups.values()]
        report.missing["roc_methods"] = (
            "no method has a defined pooled frame ROC (" + ("; ".join(whys) or "no method") + ")"
        )


def _plain(value: Any) -> Any:
    """JSON-ready: NaN/inf -> null, numpy -> Python, paths -> strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def _group_json(g: GroupReport, out: Path) -> dict[str, Any]:
    return {
        "stage": g.stage,
        "split": g.split,
        "method": g.method.row,
        "description": g.method.description,
        "classes": g.classes,
        "recognition": g.recognition,
        "spotting": g.spotting,
        "selection": g.selection,
        "pooled": g.pooled,
        "per_fold": g.per_fold,
        "folds": g.folds,
        "subjects": g.subjects,
        "confusion": g.confusion,
        "roc": {"fpr": g.roc.fpr, "tpr": g.roc.tpr, "auc": g.roc.auc} if g.roc else None,
        "left_out": [str(r.path) for r in g.left_out],
        "notes": g.notes,
        "warnings": g.warnings,
        "plots": {k: relative(p, out) for k, p in g.plots.items()},
        "missing_plots": g.missing,
    }


def to_json(report: Report) -> dict[str, Any]:
    """``report.json``."""
    out = report.out
    metric, sentence = table1_metric(report)
    return _plain(
        {
            "created": report.created,
            "run_dirs": report.roots,
            "warnings": report.warnings,
            "groups": {g.name: _group_json(g, out) for g in report.groups.values()},
            "tables": {
                "table1": {
                    "title": TABLE1_TITLE,
                    "metric": metric,
                    "why": sentence,
                    "rows": table_rows(report, 1),
                },
                "table2": {
                    "title": TABLE2_TITLE,
                    "metric": "accuracy",
                    "rows": table_rows(report, 2),
                },
                "labels": {"published": PUBLISHED_LABEL, "ours": OURS_LABEL},
            },
            "plots": {k: relative(p, out) for k, p in report.plots.items()},
            "missing_plots": report.missing,
            "megc": _megc_json(report),
            "stage_runs": [
                {
                    "path": s.path,
                    "stage": s.metrics.get("stage"),
                    "fold": s.metrics.get("fold"),
                    "metrics": {k: v for k, v in s.metrics.items() if k.startswith("test/")},
                }
                for s in report.stage_runs
            ],
            "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        }
    )


def write_megc_files(report: Report) -> None:
    """The pooled rows the MEGC tables come from, as the scorer reads them: per method
    ``megc_truth.csv``/``megc_spots.csv`` (spotting) and ``megc_recognition.csv`` (composite)."""
    from microexp.eval.megc.formats import write_predictions, write_truth
    from microexp.eval.report.composite import RECOGNITION_FILE, write_rows

    for m in report.megc.values():
        if m.truth:
            folder = report.out / slug(m.name)
            folder.mkdir(parents=True, exist_ok=True)
            m.files = {"truth": folder / "megc_truth.csv", "spots": folder / "megc_spots.csv"}
            write_truth(m.files["truth"], m.truth)
            write_predictions(m.files["spots"], m.predictions)
    for t in report.composite.values():
        t.files = {"recognition": write_rows(t, report.out / slug(t.name) / RECOGNITION_FILE)}


def _megc_json(report: Report) -> dict[str, Any]:
    out = report.out
    return {
        "spotting": {
            m.name: {
                "method": m.method.row,
                "folds": m.folds,
                "source": m.source,
                "scores": m.scores,
                "warnings": m.warnings,
                "files": {k: relative(p, out) for k, p in m.files.items()},
            }
            for m in report.megc.values()
        },
        "composite": {
            t.name: {
                "method": t.method.row,
                "scores": t.scores,
                "references": t.references,
                "left_out": t.left_out,
                "files": {k: relative(p, out) for k, p in t.files.items()},
            }
            for t in report.composite.values()
        },
        "published": {
            "label": PUBLISHED,
            "spotting": {d: [asdict(r) for r in rows] for d, rows in SPOTTING.items()},
            "composite": [asdict(r) for r in COMPOSITE],
        },
    }


def write_report(report: Report) -> dict[str, Path]:
    """Write the figures, ``report.md`` and ``report.json`` into ``report.out``."""
    try:
        report.out.mkdir(parents=True, exist_ok=True)
        write_figures(report)
        write_megc_files(report)
        md = report.out / "report.md"
        md.write_text(render_markdown(report))
        js = report.out / "report.json"
        js.write_text(json.dumps(to_json(report), indent=2, allow_nan=False))
    except OSError as exc:
        raise ReportError(f"cannot write the report into {report.out}: {exc}") from exc
    return {"markdown": md, "json": js}


def make_report(roots: Sequence[Path], out: Path | None = None) -> Report:
    """Build and write the report of ``roots`` (into ``out``, default ``roots[0]/report``)."""
    out = Path(out) if out is not None else Path(roots[0]) / "report"
    report = build_report(roots, out)
    write_report(report)
    return report
