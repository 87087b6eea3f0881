"""The LOSO report: ``python -m microexp.eval.report RUN_DIR [RUN_DIR ...] [--out DIR]``.

Finds every run (``metrics.json`` + ``predictions.csv`` + ``frames.csv``) under the given run or
sweep folders, groups them by method (``stage``: the network is ``joint``; baselines are ``lbp``,
``hoof``, ``lbptop_svm``), and writes into ``--out`` (default ``RUN_DIR/report``):

* ``report.md`` and ``report.json``: for each method the scores pooled over all folds (accuracy,
  UF1, UAR from the pooled clip predictions; frame AUC over all frames of all folds; interval F1
  with TP/FP/FN summed over all clips) beside the per-fold mean ± std, a per-fold and a
  per-subject table, which epoch the numbers come from, and the paper's Tables 1 and 2 with the
  published rows beside ours;
* PNGs per method (``<method>/``): pooled ROC curve, confusion matrix, per-subject accuracy and
  three Fig. 2 panels (best, median, worst clip by mean absolute intensity error), plus
  ``roc_methods.png`` when several methods spot.

Every number is recomputed from the CSV files (:mod:`microexp.eval.pooling`); ``metrics.json`` is
read for the fold, the test subjects, the epoch selection and the configuration, and cross-checked
against the CSVs. Missing or duplicated folds, differing configurations and unreadable files are
warnings: in ``report.md``, in ``report.json`` (``warnings``) and in the log. This module renders
and writes; matplotlib is imported only when the figures are drawn.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from microexp.eval.paper_tables import (
    OURS_LABEL,
    PUBLISHED_LABEL,
    TABLE1,
    TABLE1_TITLE,
    TABLE2,
    TABLE2_TITLE,
    PublishedRow,
)
from microexp.eval.pooling import (
    FOLD_SCORES,
    GroupReport,
    Report,
    ReportError,
    build_report,
    is_number,
)

logger = logging.getLogger("microexp.eval.report" if __name__ == "__main__" else __name__)

# --------------------------------------------------------------------------- tables


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


# --------------------------------------------------------------------------- writing


def _pct(value: Any, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f}%" if is_number(value) else "n/a"


def _mean_std(stats: dict[str, Any] | None) -> str:
    if not stats or not stats.get("n"):
        return "n/a"
    return f"{100 * stats['mean']:.2f} ± {100 * stats['std']:.2f}% ({stats['n']} folds)"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _rel(path: Path, out: Path) -> str:
    try:
        return path.relative_to(out).as_posix()
    except ValueError:
        return str(path)


def write_figures(report: Report) -> None:
    """Each method's PNGs into ``out/<method>/``; all spotting methods' ROC curves together."""
    from microexp.eval import plots
    from microexp.eval.figures import write_plots

    for g in report.groups.values():
        title = f"{g.method.row} ({g.name}), {len(g.runs)} fold{'s' if len(g.runs) != 1 else ''}"
        g.plots = write_plots(
            g.records,
            report.out / g.slug,
            g.classes,
            g.spot,
            3,
            title,
            recognition=g.recognition,
            spotting=g.spotting,
            curve=g.method.row,
        )
    curves = {f"{g.method.row} ({g.name})": g.roc for g in report.groups.values() if g.roc}
    if len(curves) > 1:
        report.plots["roc_methods"] = plots.plot_roc(
            curves, report.out / "roc_methods.png", title="Frame-level spotting ROC, pooled folds"
        )


def _published_note(report: Report) -> str:
    datas = []
    for g in report.groups.values():
        prints = sorted({str(r.metrics.get("data/fingerprint")) for r in g.runs})
        subjects = sorted({r.metrics.get("data/subjects") for r in g.runs} - {None})
        datas.append(
            f"{g.name}: {g.pooled['clips']} test clips of {'/'.join(map(str, subjects)) or '?'} "
            f"subjects, split {g.split}, {len(g.runs)} fold(s), data fingerprint "
            f"{', '.join(prints)}"
        )
    return (
        f"*{PUBLISHED_LABEL}*: the paper's numbers as printed (CASME II, its own protocol); they "
        f"are not ours. *{OURS_LABEL}*: recomputed here from the runs' predictions, pooled over "
        "all folds (per-fold mean ± std beside), on "
        + "; ".join(datas)
        + ". Different data or protocol: compare with care."
    )


def render_markdown(report: Report) -> str:
    """``report.md``."""
    out = report.out
    lines = [
        "# LOSO report",
        "",
        f"Runs: {', '.join(f'`{r}`' for r in report.roots)} — created {report.created} by "
        "`python -m microexp.eval.report`.",
        "Every score is recomputed from the runs' `predictions.csv` and `frames.csv`. *Pooled*: "
        "over all clips (recognition) or all frames (AUC) of all folds, interval F1 with TP/FP/FN "
        "summed over all clips; *per-fold*: mean ± standard deviation (ddof 0) over the folds.",
        "",
        "## Warnings",
        "",
    ]
    lines += [f"- ⚠ {w}" for w in report.warnings] or ["None."]
    for which, title, metric in ((1, TABLE1_TITLE, "AUC"), (2, TABLE2_TITLE, "Accuracy")):
        lines += [
            "",
            f"## Table {which} (paper layout): {title}",
            "",
        ]
        rows = []
        for row in table_rows(report, which):
            pub = f"{row['published']:.2f}%" if row["published"] is not None else "—"
            if row.get("ours") is None:
                ours, spread = row.get("why", "—"), ""
            else:
                ours = _pct(row["ours"])
                spread = _mean_std(
                    {"mean": row["ours_mean"], "std": row["ours_std"], "n": row["folds"]}
                )
            rows.append([row["method"], pub, ours, spread])
        lines += _md_table(
            [
                "Technique" if which == 1 else "Methods",
                f"{metric}, {PUBLISHED_LABEL}",
                f"{metric}, {OURS_LABEL}, pooled",
                f"{metric}, {OURS_LABEL}, per-fold mean ± std",
            ],
            rows,
        )
    lines += ["", _published_note(report)]

    for g in report.groups.values():
        lines += ["", f"## {g.method.row}: `{g.name}`", "", f"{g.method.description}.", ""]
        lines += [
            f"- Split `{g.split}`, {len(g.runs)} fold(s), {g.pooled['clips']} test clips"
            + (f", {g.pooled['frames']} frames" if g.spotting else "")
            + f"; classes: {', '.join(g.classes)}.",
            f"- Numbers come from: {g.selection}.",
        ]
        if g.left_out:
            lines.append(f"- Left out: {', '.join(str(r.path) for r in g.left_out)}.")
        lines += [f"- Note: {n}" for n in g.notes]
        lines += [f"- ⚠ {w}" for w in g.warnings]
        lines += ["", "### Pooled over all folds", ""]
        rows = []
        for key, name in FOLD_SCORES.items():
            if key not in g.per_fold:
                continue
            extra = ""
            if key == "spot_f1":
                p = g.pooled
                extra = f" (TP {p['spot_tp']}, FP {p['spot_fp']}, FN {p['spot_fn']})"
            rows.append([name, _pct(g.pooled[key]) + extra, _mean_std(g.per_fold[key])])
        lines += _md_table(["Metric", "pooled", "per-fold mean ± std"], rows)

        lines += ["", "### Per fold", ""]
        cols = [k for k in FOLD_SCORES if k in g.per_fold]
        rows = [
            [
                f["fold"] if f["fold"] is not None else "—",
                ", ".join(f["test_subjects"]),
                f["scores"]["clips"],
                *[_pct(f["scores"][k]) for k in cols],
                f["epochs"] if f["epochs"] is not None else "—",
                f["selected"] or "—",
                f["seconds"] if f["seconds"] is not None else "—",
            ]
            for f in g.folds
        ]
        lines += _md_table(
            [
                "fold",
                "test subjects",
                "clips",
                *[FOLD_SCORES[k] for k in cols],
                "epochs",
                "selected",
                "seconds",
            ],
            rows,
        )

        lines += ["", "### Per subject", ""]
        rows = [
            [
                s["subject"],
                ", ".join(s["folds"]),
                s["clips"],
                _pct(s["accuracy"]) if g.recognition else "—",
                _pct(s["auc"]) if g.spotting else "—",
                _pct(s["spot_f1"]) if g.spotting else "—",
            ]
            for s in g.subjects
        ]
        lines += _md_table(
            ["subject", "fold(s)", "clips", "accuracy", "frame AUC", "interval F1"], rows
        )
        if g.confusion is not None:
            lines += ["", "### Confusion matrix (rows true, columns predicted)", ""]
            lines += _md_table(
                ["true \\ predicted", *g.classes],
                [[c, *map(int, g.confusion[i])] for i, c in enumerate(g.classes)],
            )
        if g.plots:
            lines += ["", "### Figures", ""]
            for name, path in g.plots.items():
                lines += [f"![{name}]({_rel(path, out)})", ""]
    if report.plots:
        lines += ["", "## All methods", ""]
        for name, path in report.plots.items():
            lines += [f"![{name}]({_rel(path, out)})", ""]
    if report.stage_runs:
        lines += [
            "",
            "## Backbone stage runs (not pooled)",
            "",
            "Spatial/temporal stage runs found inside the joint runs: they train the backbones "
            "and have no clip predictions; listed here, never mixed into the numbers above.",
            "",
        ]
        rows = []
        for s in report.stage_runs:
            tests = ", ".join(
                f"{k} {v:.4f}"
                for k, v in s.metrics.items()
                if k.startswith("test/") and is_number(v)
            )
            rows.append(
                [f"`{s.path}`", s.metrics.get("stage"), s.metrics.get("fold"), tests or "—"]
            )
        lines += _md_table(["run", "stage", "fold", "test metrics"], rows)
    if report.skipped:
        lines += ["", "## Skipped files", ""]
        lines += [f"- `{s.path}`: {s.reason}" for s in report.skipped]
    return "\n".join(lines) + "\n"


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


def to_json(report: Report) -> dict[str, Any]:
    """``report.json``."""
    out = report.out
    groups = {}
    for g in report.groups.values():
        groups[g.name] = {
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
            "plots": {k: _rel(p, out) for k, p in g.plots.items()},
        }
    return _plain(
        {
            "created": report.created,
            "run_dirs": report.roots,
            "warnings": report.warnings,
            "groups": groups,
            "tables": {
                "table1": {"title": TABLE1_TITLE, "metric": "auc", "rows": table_rows(report, 1)},
                "table2": {
                    "title": TABLE2_TITLE,
                    "metric": "accuracy",
                    "rows": table_rows(report, 2),
                },
                "labels": {"published": PUBLISHED_LABEL, "ours": OURS_LABEL},
            },
            "plots": {k: _rel(p, out) for k, p in report.plots.items()},
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


def write_report(report: Report) -> dict[str, Path]:
    """Write the figures, ``report.md`` and ``report.json`` into ``report.out``."""
    try:
        report.out.mkdir(parents=True, exist_ok=True)
        write_figures(report)
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


# --------------------------------------------------------------------------- CLI


def summary_lines(report: Report) -> list[str]:
    """The CLI's stdout: one line per method, the files, the warning count."""
    lines = []
    for g in report.groups.values():
        p = g.pooled
        parts = [f"{len(g.runs)} fold(s)", f"{p['clips']} clips"]
        if g.recognition:
            parts += [
                f"accuracy {_pct(p['accuracy'])}",
                f"UF1 {_pct(p['uf1'])}",
                f"UAR {_pct(p['uar'])}",
            ]
        if g.spotting:
            parts += [f"frame AUC {_pct(p['auc'])}", f"interval F1 {_pct(p['spot_f1'])}"]
        lines.append(f"{g.method.row} ({g.name}): " + ", ".join(parts))
    lines.append(f"report: {report.out / 'report.md'} (+ report.json, PNGs)")
    if report.warnings:
        lines.append(f"{len(report.warnings)} warning(s): see the Warnings section")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m microexp.eval.report``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.eval.report",
        description="Pool the folds of a LOSO sweep (and baseline runs) into report.md, "
        "report.json and plots.",
    )
    parser.add_argument(
        "run_dirs",
        nargs="+",
        type=Path,
        metavar="RUN_DIR",
        help="a run folder or a multirun sweep folder (several: e.g. network and baselines)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: RUN_DIR/report)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 3 when there are warnings"
    )
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        report = make_report(args.run_dirs, args.out)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary_lines(report)))
    return 3 if args.strict and report.warnings else 0


if __name__ == "__main__":
    sys.exit(main())
