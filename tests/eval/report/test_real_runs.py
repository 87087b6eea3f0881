"""The report over real runs: a 3-fold ``train.py -m`` sweep and the baselines (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from microexp.eval.report.__main__ import main
from tests.conftest import ROOT, tiny_overrides
from tests.eval.report.sweeps import check_against_csv, recompute, run_cli, same
from tests.eval.test_plots import assert_png


def fold_warnings(warnings: list[str]) -> list[str]:
    """The warnings about the runs themselves (folds, configs, files), not about the scores: a
    tiny run's scores may well be undefined or those of a constant predictor."""
    about_scores = ("undefined over the pooled folds", "predicts ", "spots no interval", "Table ")
    return [w for w in warnings if not any(s in w for s in about_scores)]


@pytest.mark.slow
def test_report_over_a_real_three_fold_sweep(
    tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    sweep = tmp_path / "sweep"
    overrides = [
        o
        for o in tiny_overrides(tiny_dataset, cache_dir, tmp_path)
        if not o.startswith("paths.output_dir")
    ]
    run = subprocess.run(
        [
            sys.executable,
            "train.py",
            "-m",
            "stage=joint",
            "stage.pretrained=none",
            "split=loso",
            "split.fold=0,1,2",
            f"hydra.sweep.dir={sweep}",
            *overrides,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run_cli(str(sweep))
    assert out.returncode == 0, out.stderr
    data = json.loads((sweep / "report" / "report.json").read_text())
    assert fold_warnings(data["warnings"]) == []
    folders = [sweep / str(k) for k in range(3)]
    check_against_csv(data, folders)
    g = data["groups"]["joint"]
    # the per-fold numbers are each run's own metrics.json numbers
    for fold, folder in zip(g["folds"], folders):
        saved = json.loads((folder / "metrics.json").read_text())
        assert fold["fold"] == saved["fold"]
        for key in ("accuracy", "uf1", "uar", "spot_f1", "apex_mae", "ref_flow/apex_mae"):
            same(fold["scores"][key], saved[f"test/{key}"], 1e-9, key)
        for key in ("auc", "phase_auc"):
            same(fold["scores"][key], saved[f"test/{key}"], 1e-3, key)
    assert [s["subject"] for s in g["subjects"]] == ["sub01", "sub02", "sub03"]
    assert g["selection"] == "the last epoch of every fold (1 epoch trained per fold)"
    for path in g["plots"].values():
        assert_png(sweep / "report" / path)


@pytest.mark.slow
def test_report_over_real_baseline_runs(
    tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    base = tmp_path / "baselines"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "microexp.baselines",
            "--root",
            str(tiny_dataset),
            "--out",
            str(base),
            "--cache-dir",
            str(cache_dir),
            "--frame-stride",
            "4",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert main([str(base)]) == 0
    data = json.loads((base / "report" / "report.json").read_text())
    assert fold_warnings(data["warnings"]) == []
    assert list(data["groups"]) == ["hoof", "lbp", "lbptop_svm"]
    for name in ("hoof", "lbp"):
        g = data["groups"][name]
        assert g["spotting"] and not g["recognition"]
        same(g["pooled"]["auc"], recompute(sorted((base / name).glob("fold_*")))["auc"], 1e-6)
    svm = data["groups"]["lbptop_svm"]
    assert svm["recognition"] and not svm["spotting"]
    assert svm["pooled"]["accuracy"] == pytest.approx(
        recompute(sorted((base / "lbptop_svm").glob("fold_*")))["accuracy"]
    )
    t1 = {r["method"]: r["ours"] for r in data["tables"]["table1"]["rows"]}
    assert t1["LBP"] is not None and t1["HOOF"] is not None and t1["Proposed"] is None
