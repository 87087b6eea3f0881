"""``report.md``: the warnings, the paper's tables, each method's pooled, per-fold and
per-subject numbers with its figures, and the runs that were listed apart or skipped."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from microexp.eval.report.contents import (
    FOLD_SCORES,
    FRAME_SCORES,
    REFERENCE_ROWS,
    GroupReport,
    Report,
    is_number,
    why_key,
)
from microexp.eval.report.megc_markdown import composite_section, spotting_sections
from microexp.eval.report.paper_tables import (
    OURS_LABEL,
    PUBLISHED_LABEL,
    TABLE1_TITLE,
    TABLE2_TITLE,
)
from microexp.eval.report.tables import APEX_EXTRA, table1_metric, table_rows

#: The columns of the reference table: the apex scores, phase AUC and interval F1.
REFERENCE_COLUMNS: tuple[str, ...] = ("apex_mae", "apex_nmae", "apex_hit", "phase_auc", "spot_f1")


def pct(value: Any, digits: int = 2) -> str:
    """``value`` in percent, or ``n/a`` when it is not a finite number."""
    return f"{100 * value:.{digits}f}%" if is_number(value) else "n/a"


def score_text(key: str, value: Any) -> str:
    """A score as the report prints it: frames for :data:`FRAME_SCORES`, else percent."""
    if key.split("/")[-1] in FRAME_SCORES:
        return f"{value:.2f} frames" if is_number(value) else "n/a"
    return pct(value)


def _mean_std(stats: dict[str, Any] | None, key: str = "") -> str:
    """Per-fold mean ± std; no spread for one fold (a ± 0 would claim a steadiness never seen)."""
    if not stats or not stats.get("n"):
        return "n/a"
    if stats["n"] == 1:
        return "— (one fold: no spread)"
    if key.split("/")[-1] in FRAME_SCORES:
        return f"{stats['mean']:.2f} ± {stats['std']:.2f} frames ({stats['n']} folds)"
    return f"{100 * stats['mean']:.2f} ± {100 * stats['std']:.2f}% ({stats['n']} folds)"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def relative(path: Path, out: Path) -> str:
    """``path`` relative to the report folder ``out`` (as written in the report's links)."""
    try:
        return path.relative_to(out).as_posix()
    except ValueError:
        return str(path)


def _data_text(g: GroupReport) -> str:
    """``12 test clips of 3 test subjects (of 26 in the data), split loso, 3 folds, ...``."""
    prints = sorted({str(r.metrics.get("data/fingerprint")) for r in g.runs})
    tested = len({r.subject for r in g.records})
    totals = sorted({r.metrics.get("data/subjects") for r in g.runs} - {None})
    of = f" (of {'/'.join(map(str, totals))} in the data)" if totals else ""
    folds = f"{len(g.runs)} fold{'s' if len(g.runs) != 1 else ''}"
    return (
        f"{g.name}: {g.pooled['clips']} test clips of {tested} test subject"
        f"{'s' if tested != 1 else ''}{of}, split {g.split}, {folds}, data fingerprint "
        f"{', '.join(prints)}"
    )


def _published_note(report: Report) -> str:
    datas = [_data_text(g) for g in report.groups.values()]
    return (
        f"*{PUBLISHED_LABEL}*: the paper's numbers as printed (CASME II, its own protocol); they "
        f"are not ours. *{OURS_LABEL}*: recomputed here from the runs' predictions, pooled over "
        "all test clips (per-fold mean ± std beside, where there are several folds), on "
        + ("; ".join(datas) or "no run")
        + ". Different data or protocol: compare with care."
    )


def report_title(report: Report) -> str:
    """The title follows the split(s) pooled: ``LOSO report``, ``Holdout report`` ..."""
    splits = sorted({g.split for g in report.groups.values()})
    names = {"loso": "LOSO", "holdout": "Holdout", "holdout_clips": "Clip-level holdout"}
    if len(splits) == 1:
        return f"{names.get(splits[0], f'Split {splits[0]!r}')} report"
    return f"Report (splits: {', '.join(splits)})" if splits else "Report"


def _header(report: Report) -> list[str]:
    folds = max((len(g.runs) for g in report.groups.values()), default=0)
    spread = (
        "*per-fold*: mean ± standard deviation (ddof 0) over the folds."
        if folds > 1
        else "one fold per method: no per-fold spread."
    )
    lines = [
        f"# {report_title(report)}",
        "",
        f"Runs: {', '.join(f'`{r}`' for r in report.roots)} — created {report.created} by "
        "`python -m microexp.eval.report`.",
        "Every score is recomputed from the runs' `predictions.csv` and `frames.csv`. *Pooled*: "
        "over all clips (recognition) or all frames (AUC) of all folds, interval F1 with TP/FP/FN "
        f"summed over all clips; {spread}",
        "",
        "## Warnings",
        "",
    ]
    return lines + ([f"- ⚠ {w}" for w in report.warnings] or ["None."])


def _table(which: int, title: str, rows: list[dict[str, Any]], metric: str) -> list[str]:
    """One of the paper's tables: published beside ours (pooled, per fold, extra scores)."""
    extra = APEX_EXTRA if metric == "apex_mae" else ()
    name = {"auc": "AUC", "accuracy": "Accuracy", "apex_mae": "Apex MAE"}[metric]
    lines = ["", f"## Table {which} (paper layout): {title}", ""]
    cells = []
    for row in rows:
        pub = f"{row['published']:.2f}%" if row["published"] is not None else "—"
        if row.get("ours") is None:
            ours, spread = row.get("why", "—"), ""
        else:
            ours = score_text(metric, row["ours"])
            spread = _mean_std(
                {"mean": row.get("ours_mean"), "std": row.get("ours_std"), "n": row.get("folds")},
                metric,
            )
        more = [score_text(k, row[k]) if row.get(k) is not None else "—" for k in extra]
        cells.append([row["method"], pub, ours, spread, *more])
    published = "AUC" if which == 1 else name
    return lines + _md_table(
        [
            "Technique" if which == 1 else "Methods",
            f"{published}, {PUBLISHED_LABEL}",
            f"{name}, {OURS_LABEL}, pooled",
            f"{name}, {OURS_LABEL}, per-fold mean ± std",
            *[f"{FOLD_SCORES[k]}, pooled" for k in extra],
        ],
        cells,
    )


def _paper_tables(report: Report) -> list[str]:
    metric, sentence = table1_metric(report)
    lines = _table(1, TABLE1_TITLE, table_rows(report, 1), metric)
    lines += ["", sentence]
    lines += _table(2, TABLE2_TITLE, table_rows(report, 2), "accuracy")
    return lines + ["", _published_note(report)]


def _group_intro(g: GroupReport) -> list[str]:
    lines = ["", f"## {g.method.row}: `{g.name}`", "", f"{g.method.description}.", ""]
    lines += [
        f"- Split `{g.split}`, {len(g.runs)} fold(s), {g.pooled['clips']} test clips of "
        f"{len({r.subject for r in g.records})} test subject(s)"
        + (f", {g.pooled['frames']} frames" if g.spotting else "")
        + f"; classes: {', '.join(g.classes)}.",
        f"- Numbers come from: {g.selection}.",
    ]
    if g.left_out:
        lines.append(f"- Left out: {', '.join(str(r.path) for r in g.left_out)}.")
    lines += [f"- Note: {n}" for n in g.notes]
    return lines + [f"- ⚠ {w}" for w in g.warnings]


def _pooled_table(g: GroupReport) -> list[str]:
    rows = []
    for key, name in FOLD_SCORES.items():
        if key not in g.per_fold:
            continue
        value, why = g.pooled[key], g.pooled.get(why_key(key))
        shown = f"n/a: {why}" if value is None and why else score_text(key, value)
        if key == "spot_f1" and value is not None:
            p = g.pooled
            shown += f" (TP {p['spot_tp']}, FP {p['spot_fp']}, FN {p['spot_fn']})"
        rows.append([name, shown, _mean_std(g.per_fold[key], key)])
    return ["", "### Pooled over all folds", ""] + _md_table(
        ["Metric", "pooled", "per-fold mean ± std"], rows
    )


def _reference_table(g: GroupReport) -> list[str]:
    """The method's spotting scores beside the reference rows, pooled over all folds."""
    p = g.pooled
    rows = [
        [f"{g.method.row} ({g.name})"]
        + [score_text(k, p[k]) if g.spotting else "—" for k in REFERENCE_COLUMNS]
    ]
    whys = []
    for name, title in REFERENCE_ROWS.items():
        cells = []
        for k in REFERENCE_COLUMNS:
            key = f"ref_{name}/{k}"
            cells.append(score_text(k, p[key]) if key in p else "—")
        rows.append([title, *cells])
        for k in ("apex", "spot_f1", "phase_auc"):
            why = p.get(f"ref_{name}/{k}_why")
            if why:
                whys.append(f"- {title}: {why}")
    return (
        ["", "### Beside the references (pooled over all folds)", ""]
        + _md_table(["", *(FOLD_SCORES[k] for k in REFERENCE_COLUMNS)], rows)
        + ([""] + whys if whys else [])
    )


def _fold_table(g: GroupReport) -> list[str]:
    cols = [k for k in FOLD_SCORES if k in g.per_fold]
    rows = [
        [
            f["fold"] if f["fold"] is not None else g.split,
            ", ".join(f["test_subjects"]),
            f["scores"]["clips"],
            *[score_text(k, f["scores"][k]) for k in cols],
            f["epochs"] if f["epochs"] is not None else "—",
            f["selected"] or "—",
            f["seconds"] if f["seconds"] is not None else "—",
        ]
        for f in g.folds
    ]
    header = ["fold", "test subjects", "clips", *[FOLD_SCORES[k] for k in cols]]
    return ["", "### Per fold", ""] + _md_table([*header, "epochs", "selected", "seconds"], rows)


def _subject_table(g: GroupReport) -> list[str]:
    spots = ("auc", "spot_f1", "phase_auc", "apex_mae")
    rows = [
        [
            s["subject"],
            ", ".join(s["folds"]),
            s["clips"],
            pct(s["accuracy"]) if g.recognition else "—",
            *[score_text(k, s[k]) if g.spotting else "—" for k in spots],
        ]
        for s in g.subjects
    ]
    return ["", "### Per subject", ""] + _md_table(
        [
            "subject",
            "fold(s)",
            "clips",
            "accuracy",
            "frame AUC",
            "interval F1",
            "phase AUC",
            "apex MAE",
        ],
        rows,
    )


def _group_section(g: GroupReport, out: Path) -> list[str]:
    lines = _group_intro(g) + _pooled_table(g) + _reference_table(g) + _fold_table(g)
    lines += _subject_table(g)
    if g.confusion is not None:
        lines += ["", "### Confusion matrix (rows true, columns predicted)", ""]
        lines += _md_table(
            ["true \\ predicted", *g.classes],
            [[c, *map(int, g.confusion[i])] for i, c in enumerate(g.classes)],
        )
    if g.plots or g.missing:
        lines += ["", "### Figures", ""]
        for name, path in g.plots.items():
            lines += [f"![{name}]({relative(path, out)})", ""]
        lines += [f"- `{name}.png` not drawn: {why}." for name, why in g.missing.items()]
    return lines


def _apart(report: Report) -> list[str]:
    """The backbone stage runs and the skipped files."""
    lines: list[str] = []
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
            fold = s.metrics.get("fold")
            where = f"fold {fold}" if fold is not None else str(s.metrics.get("split") or "—")
            rows.append([f"`{s.path}`", s.metrics.get("stage"), where, tests or "—"])
        lines += _md_table(["run", "stage", "fold / split", "test metrics"], rows)
    if report.skipped:
        lines += ["", "## Skipped files", ""]
        lines += [f"- `{s.path}`: {s.reason}" for s in report.skipped]
    return lines


def render_markdown(report: Report) -> str:
    """``report.md``."""
    lines = _header(report) + _paper_tables(report)
    lines += spotting_sections(report.megc) + composite_section(report.composite)
    for g in report.groups.values():
        lines += _group_section(g, report.out)
    if report.plots or report.missing:
        lines += ["", "## All methods", ""]
        for name, path in report.plots.items():
            lines += [f"![{name}]({relative(path, report.out)})", ""]
        lines += [f"- `{name}.png` not drawn: {why}." for name, why in report.missing.items()]
    return "\n".join(lines + _apart(report)) + "\n"
