"""Finding, checking and pooling every run under the given folders: :func:`build_report`.

Nothing is written here (:mod:`microexp.eval.report.write` does). The pooling pulls in torch and
scikit-learn; it is imported once the folders are known to hold runs, so that a bad argument is
reported at once, not after seconds of imports.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from microexp.eval.report.checks import metric_warnings
from microexp.eval.report.contents import GroupReport, Report, ReportError
from microexp.eval.report.runs import Discovery, discover, group_runs
from microexp.eval.report.tuning import tuning_warnings

logger = logging.getLogger(__name__)


def _check_roots(roots: Sequence[Path]) -> None:
    for root in roots:
        if not root.exists():
            raise ReportError(f"{root} does not exist")
        if not root.is_dir():
            raise ReportError(f"{root} is not a folder (give a run or sweep folder)")


def _nothing_found(found: Discovery, roots: Sequence[Path]) -> ReportError:
    """Why there is no run to report."""
    if found.skipped:
        reasons = "; ".join(s.reason for s in found.skipped[:5])
        return ReportError(f"no readable run under {', '.join(map(str, roots))}: {reasons}")
    if found.stage_runs:
        stages = ", ".join(sorted({str(s.metrics["stage"]) for s in found.stage_runs}))
        return ReportError(
            f"only backbone stage runs ({stages}) under {', '.join(map(str, roots))}: they "
            "have no clip predictions to report"
        )
    return ReportError(
        f"no {'metrics.json'} under {', '.join(map(str, roots))}: give a run folder or a "
        "multirun sweep folder written by train.py"
    )


def _dataset_warnings(groups: dict[str, GroupReport]) -> list[str]:
    """A method whose folds disagree on having a ``dataset`` column gets no per-release table."""
    out = []
    for g in groups.values():
        without = [r.fold_name for r in g.runs if r.datasets is None]
        if without and len(without) < len(g.runs):
            out.append(
                f"{g.name}: predictions.csv of {', '.join(without)} has no dataset column (the "
                "other folds' has): no per-release composite table"
            )
    return out


def build_report(roots: Sequence[Path], out: Path) -> Report:
    """Find, check and pool every run under ``roots`` (nothing is written yet)."""
    roots = [Path(r) for r in roots]
    _check_roots(roots)
    found: Discovery = discover(roots, exclude=[out])
    if not found.runs and not found.long_runs:
        raise _nothing_found(found, roots)
    from microexp.eval.report.composite import composite_tables
    from microexp.eval.report.megc_spotting import pool_long_runs
    from microexp.eval.report.pooling import analyse_group

    resolved = [r.resolve() for r in roots]
    warnings: list[str] = []
    for s in found.skipped:
        warnings.append(f"skipped {s.reason}")
    groups = {
        name: analyse_group(name, runs, resolved) for name, runs in group_runs(found.runs).items()
    }
    for g in groups.values():
        warnings += [f"{g.name}: {w}" for w in g.warnings]
    warnings += tuning_warnings(groups, resolved)
    megc = pool_long_runs(found.long_runs)
    warnings += [f"{m.name} (MEGC spotting): {w}" for m in megc.values() for w in m.warnings]
    warnings += _dataset_warnings(groups)
    prints = {
        name: {r.metrics.get("data/fingerprint") for r in g.runs} - {None}
        for name, g in groups.items()
    }
    if len(set().union(*prints.values())) > 1:
        warning = "methods ran on different data (data/fingerprint): " + "; ".join(
            f"{name} {', '.join(sorted(p))}" for name, p in prints.items() if p
        )
        logger.warning(warning)
        warnings.append(warning)
    if found.stage_runs:
        logger.info(
            "%d backbone stage run(s) (spatial/temporal) listed apart, not pooled",
            len(found.stage_runs),
        )
    report = Report(
        roots=roots,
        out=out,
        groups=groups,
        stage_runs=found.stage_runs,
        skipped=found.skipped,
        warnings=warnings,
        created=dt.datetime.now().isoformat(timespec="seconds"),
        megc=megc,
        composite=composite_tables(groups),
    )
    for w in metric_warnings(report):
        logger.warning("%s", w)
        report.warnings.append(w)
    return report
