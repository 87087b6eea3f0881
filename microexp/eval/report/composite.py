"""MEGC 2019 composite recognition: UF1 and UAR over the predictions of all folds pooled, overall
and per release, with :func:`microexp.eval.megc.recognition.score_recognition` (the numbers
``python -m microexp.eval.megc recog`` prints for the same rows), beside a constant predictor and
a uniform guess.

A method gets the table when every fold's ``predictions.csv`` has a ``dataset`` column naming at
least two releases (a single release is not a composite; an empty cell is unknown). Its rows
are the clips with a true and a predicted class; the report writes them as
``<method>/megc_recognition.csv`` (``subject,true,pred,dataset``).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microexp.eval.megc.recognition import OVERALL, Recognition, score_recognition
from microexp.eval.report.contents import GroupReport
from microexp.eval.report.paper_tables import Method

RECOGNITION_FILE = "megc_recognition.csv"


@dataclass
class CompositeTable:
    """One method's pooled composite scores and the references on the same clips."""

    name: str
    method: Method
    rows: list[Recognition]
    scores: dict[str, dict[str, Any]]  # "overall" and each dataset: score_recognition's output
    references: dict[str, dict[str, dict[str, float]]]  # reference -> dataset -> uf1, uar
    left_out: int  # clips without a true or a predicted class
    files: dict[str, Path] = field(default_factory=dict)


def recognition_rows(g: GroupReport) -> tuple[list[Recognition], int] | None:
    """The group's clips as scorer rows (None when a fold has no ``dataset`` column), and how
    many clips were left out for lack of a true or a predicted class."""
    if not g.recognition or any(run.datasets is None for run in g.runs):
        return None
    rows, left_out = [], 0
    for run in g.runs:
        for record, dataset in zip(run.records, run.datasets or []):
            if record.label < 0 or record.pred_label < 0:
                left_out += 1
                continue
            true, pred = g.classes[record.label], g.classes[record.pred_label]
            rows.append(Recognition(record.subject, true, pred, dataset))
    return rows, left_out


def _constant(rows: list[Recognition]) -> dict[str, float]:
    """UF1/UAR of predicting the rows' most common true class for every row."""
    majority = Counter(r.true for r in rows).most_common(1)[0][0]
    const = [Recognition(r.subject, r.true, majority, r.dataset) for r in rows]
    s = score_recognition(const)[OVERALL]
    return {"uf1": s["uf1"], "uar": s["uar"], "class": majority}


def _uniform(rows: list[Recognition], k: int) -> dict[str, float]:
    """UF1/UAR of a uniform guess among ``k`` classes, from its expected counts: per class
    ``F1 = 2n/(N + k n)`` and recall ``1/k``, averaged over the classes present."""
    counts = Counter(r.true for r in rows)
    total = sum(counts.values())
    f1 = [2 * n / (total + k * n) for n in counts.values()]
    return {"uf1": sum(f1) / len(f1), "uar": 1 / k}


def composite_table(g: GroupReport) -> CompositeTable | None:
    """The composite table of one method, or None when its predictions carry no dataset."""
    got = recognition_rows(g)
    if got is None or not got[0]:
        return None
    rows, left_out = got
    datasets = {r.dataset for r in rows}
    if "" in datasets or len(datasets) < 2:  # unknown releases, or not a composite
        return None
    scores = score_recognition(rows)
    k = len({r.true for r in rows})
    parts = {OVERALL: rows}
    for dataset in (d for d in scores if d != OVERALL):
        parts[dataset] = [r for r in rows if r.dataset == dataset]
    references = {
        "constant": {d: _constant(part) for d, part in parts.items()},
        "uniform": {d: _uniform(part, k) for d, part in parts.items()},
    }
    return CompositeTable(g.name, g.method, rows, scores, references, left_out)


def composite_tables(groups: dict[str, GroupReport]) -> dict[str, CompositeTable]:
    """Every recognising method whose predictions carry a ``dataset`` column."""
    tables = {name: composite_table(g) for name, g in groups.items()}
    return {name: t for name, t in tables.items() if t is not None}


def write_rows(table: CompositeTable, path: Path) -> Path:
    """The scorer's input for these rows: ``subject,true,pred,dataset``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["subject", "true", "pred", "dataset"])
        writer.writerows([r.subject, r.true, r.pred, r.dataset] for r in table.rows)
    return path
