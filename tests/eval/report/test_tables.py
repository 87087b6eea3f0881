"""The paper's Tables 1 and 2: published rows beside ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microexp.eval.report.paper_tables import TABLE1, TABLE2
from microexp.eval.report.write import make_report
from tests.eval.report.sweeps import fake_sweep


def test_paper_tables_hold_published_rows_beside_ours(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    report = make_report([sweep])
    data = json.loads((sweep / "report" / "report.json").read_text())
    t1, t2 = data["tables"]["table1"]["rows"], data["tables"]["table2"]["rows"]
    assert [(r["method"], r["published"]) for r in t1] == [
        ("LBP", 92.98),
        ("HOOF", 64.99),
        (
            "Proposed",
            94.24,
        ),
    ]
    assert [r["published_text"] for r in t1] == [r.text for r in TABLE1]
    assert [(r["method"], r["published"]) for r in t2] == [
        ("Baseline [8]", 63.41),
        ("Kim et al. [10]", 60.98),
        ("Peng et al. [11]", 66.67),
        ("Adaptive MM [15]", 75.30),
        ("Park et al. [16]", 69.63),
        ("Proposed", 81.46),
    ]
    assert [r["published_text"] for r in t2] == [r.text for r in TABLE2]
    pooled = report.groups["joint"].pooled
    assert t1[2]["ours"] == pytest.approx(pooled["auc"]) and t1[0]["ours"] is None
    assert t2[5]["ours"] == pytest.approx(pooled["accuracy"]) and t2[0]["ours"] is None
    md = (sweep / "report" / "report.md").read_text()
    assert f"| Proposed | 94.24% | {100 * pooled['auc']:.2f}% |" in md
    assert f"| Proposed | 81.46% | {100 * pooled['accuracy']:.2f}% |" in md
    assert "| HOOF | 64.99% | not run |" in md
