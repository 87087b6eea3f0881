"""Pooled numbers recomputed independently from the CSV files, baselines beside the network,
the epoch selection, and metrics.json cross-checked against the CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from microexp.eval.report.__main__ import main
from microexp.eval.report.build import build_report
from microexp.eval.report.paper_tables import OURS_LABEL, PUBLISHED_LABEL
from tests.eval.report.sweeps import check_against_csv, fake_sweep, recompute
from tests.eval.test_plots import assert_png


def test_report_matches_numbers_recomputed_from_csv(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    out = tmp_path / "report"
    assert main([str(sweep), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["warnings"] == []
    check_against_csv(report, [sweep / str(k) for k in range(3)])
    g = report["groups"]["joint"]
    assert g["method"] == "Proposed" and g["recognition"] and g["spotting"]
    assert [s["subject"] for s in g["subjects"]] == ["sub01", "sub02", "sub03"]
    assert [s["clips"] for s in g["subjects"]] == [4, 4, 4]
    for s, k in zip(g["subjects"], range(3)):
        assert s["accuracy"] == pytest.approx(recompute([sweep / str(k)])["accuracy"])
        assert s["auc"] == pytest.approx(recompute([sweep / str(k)])["auc"])
    assert np.array(g["confusion"]).sum() == 12
    assert g["selection"].startswith("the last epoch") and "2 epochs" in g["selection"]
    md = (out / "report.md").read_text()
    assert PUBLISHED_LABEL in md and OURS_LABEL in md and "None." in md
    assert "the last epoch of every fold (2 epochs trained per fold)" in md
    for name in ("roc", "confusion", "subject_accuracy", "fig2_best", "fig2_median", "fig2_worst"):
        assert g["plots"][name] == f"joint/{name}.png"
        assert f"]({g['plots'][name]})" in md
        assert_png(out / g["plots"][name])


def test_baselines_beside_the_network(tmp_path: Path) -> None:
    net = fake_sweep(tmp_path / "net")
    base = tmp_path / "baselines"
    fake_sweep(base / "lbp", stage="lbp", mode="spotting", seed=1)
    fake_sweep(base / "svm", stage="lbptop_svm", mode="recognition", seed=2)
    out = tmp_path / "report"
    assert main([str(net), str(base), "--out", str(out)]) == 0
    data = json.loads((out / "report.json").read_text())
    assert list(data["groups"]) == ["joint", "lbp", "lbptop_svm"]
    assert data["warnings"] == []
    lbp, svm = data["groups"]["lbp"], data["groups"]["lbptop_svm"]
    assert lbp["spotting"] and not lbp["recognition"] and lbp["pooled"]["accuracy"] is None
    assert svm["recognition"] and not svm["spotting"] and svm["pooled"]["auc"] is None
    lbp_auc = recompute([base / "lbp" / str(k) for k in range(3)])["auc"]
    assert lbp["pooled"]["auc"] == pytest.approx(lbp_auc)
    svm_acc = recompute([base / "svm" / str(k) for k in range(3)])["accuracy"]
    assert svm["pooled"]["accuracy"] == pytest.approx(svm_acc)
    t1 = {r["method"]: r for r in data["tables"]["table1"]["rows"]}
    t2 = {r["method"]: r for r in data["tables"]["table2"]["rows"]}
    assert t1["LBP"]["ours"] == pytest.approx(lbp_auc) and t1["LBP"]["published"] == 92.98
    assert t2["Baseline [8]"]["ours"] == pytest.approx(svm_acc)
    assert "LBP" not in t2  # spotting only: no recognition row
    assert set(lbp["plots"]) == {"roc", "fig2_best", "fig2_median", "fig2_worst"}
    assert set(svm["plots"]) == {"confusion", "subject_accuracy"}
    assert data["plots"] == {"roc_methods": "roc_methods.png"}
    assert_png(out / "roc_methods.png")
    check_against_csv(data, [net / str(k) for k in range(3)])


def test_selection_says_which_epoch(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    for k in range(3):
        path = sweep / str(k) / "metrics.json"
        metrics = json.loads(path.read_text())
        metrics.update(selected="best val/accuracy on validation subjects", epochs=10)
        path.write_text(json.dumps(metrics))
    report = build_report([sweep], tmp_path / "out")
    assert report.warnings == []
    assert report.groups["joint"].selection == (
        "the checkpoint with the best val/accuracy on validation subjects (validation subjects "
        "carved from the training subjects, never the test subject), of 10 epochs trained per "
        "fold"
    )
    path = sweep / "1" / "metrics.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "selected": "last"}))
    report = build_report([sweep], tmp_path / "out")
    assert report.groups["joint"].selection.startswith("mixed between folds: best val/accuracy")
    [warning] = report.warnings
    assert "configs differ between folds: selected" in warning


def test_metrics_json_disagreeing_with_csv_is_a_warning(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    path = sweep / "1" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["test/accuracy"] = metrics["test/accuracy"] + 0.25
    path.write_text(json.dumps(metrics))
    [warning] = build_report([sweep], tmp_path / "out").warnings
    assert "fold 1 (1): metrics.json disagrees" in warning and "test/accuracy" in warning
