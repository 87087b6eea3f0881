"""``python -m microexp.eval.report RUN_DIR [RUN_DIR ...] [--out DIR] [--strict]``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from microexp.eval.report.contents import Report, ReportError
from microexp.eval.report.markdown import pct, score_text
from microexp.eval.report.write import make_report


def _rate(value: float | None) -> str:
    return f"{value:.4f}" if value is not None else "n/a"


def summary_lines(report: Report) -> list[str]:
    """The CLI's stdout: one line per method, the files, the warning count."""
    lines = []
    for g in report.groups.values():
        p = g.pooled
        parts = [f"{len(g.runs)} fold(s)", f"{p['clips']} clips"]
        if g.recognition:
            parts += [
                f"accuracy {pct(p['accuracy'])}",
                f"UF1 {pct(p['uf1'])}",
                f"UAR {pct(p['uar'])}",
            ]
        if g.spotting:
            parts += [
                f"frame AUC {pct(p['auc'])}",
                f"interval F1 {pct(p['spot_f1'])}",
                f"phase AUC {pct(p['phase_auc'])}",
                f"apex MAE {score_text('apex_mae', p['apex_mae'])}",
            ]
        parts.append(
            f"references: apex MAE centre {score_text('apex_mae', p['ref_centre/apex_mae'])}, "
            f"flow {score_text('apex_mae', p['ref_flow/apex_mae'])}"
        )
        lines.append(f"{g.method.row} ({g.name}): " + ", ".join(parts))
    for m in report.megc.values():
        for dataset, scores in m.scores.items():
            f1 = ", ".join(
                f"{t} F1 {_rate(scores[t]['f1'])}" for t in ("micro", "macro", "overall")
            )
            lines.append(f"{m.method.row} ({m.name}), MEGC spotting on {dataset}: {f1}")
    for t in report.composite.values():
        parts = [f"{d} UF1 {_rate(s['uf1'])} UAR {_rate(s['uar'])}" for d, s in t.scores.items()]
        lines.append(f"{t.method.row} ({t.name}), composite: " + "; ".join(parts))
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
