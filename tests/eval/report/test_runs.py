"""Finding the runs of a sweep and checking their folds: missing, duplicated, differently
configured, unreadable, backbone stage runs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from microexp.eval.report.__main__ import main
from microexp.eval.report.build import build_report
from microexp.eval.report.write import make_report
from tests.eval.report.sweeps import check_against_csv, fake_run, fake_sweep


def test_missing_fold_is_a_warning(tmp_path: Path, caplog) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    shutil.rmtree(sweep / "1")
    with caplog.at_level("WARNING"):
        assert main([str(sweep)]) == 0
    report = json.loads((sweep / "report" / "report.json").read_text())
    [warning] = report["warnings"]
    assert "missing fold(s) 1" in warning and "cover 2 of 3" in warning
    assert "missing fold(s) 1" in caplog.text
    assert "missing fold(s) 1" in (sweep / "report" / "report.md").read_text()
    check_against_csv(report, [sweep / "0", sweep / "2"])
    assert main([str(sweep), "--strict"]) == 3


def test_config_differences_between_folds_are_warnings(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    fake_run(sweep / "0", 0)
    fake_run(sweep / "1", 1)
    fake_run(sweep / "2", 2, lr=1e-2, width=0.25)
    report = build_report([sweep], tmp_path / "out")
    text = "\n".join(report.warnings)
    assert (
        "configs differ between folds: model.optimizer.lr: 0.001 (fold 0, fold 1); 0.01 (fold 2)"
        in text
    )
    assert "configs differ between folds: width: 0.125 (fold 0, fold 1); 0.25 (fold 2)" in text
    # the fold itself, run paths and Hydra's own keys differ by construction: no warning
    assert "split.fold" not in text and "paths." not in text and "hydra." not in text
    assert len(report.warnings) == 3  # lr, width (config.yaml) and width (metrics.json)


def test_duplicate_fold_keeps_the_newest(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    fake_run(sweep / "3", 0, seed=7)  # fold 0 again, from another sweep
    old = sweep / "0" / "metrics.json"
    os.utime(old, (old.stat().st_mtime - 100, old.stat().st_mtime - 100))
    report = build_report([sweep], tmp_path / "out")
    [warning] = report.warnings
    assert warning.startswith("joint: fold 0 found 2 times: using the newest, fold 0 (3)")
    assert "left out: fold 0 (0)" in warning
    g = report.groups["joint"]
    assert [r.path.name for r in g.runs] == ["3", "1", "2"] and g.pooled["clips"] == 12


def test_backbone_stage_runs_are_listed_apart(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    for stage in ("spatial", "temporal"):
        (sweep / "0" / stage).mkdir()
        (sweep / "0" / stage / "metrics.json").write_text(
            json.dumps({"stage": stage, "fold": 0, "test/iou": 0.42})
        )
    report = make_report([sweep])
    assert sorted(s.metrics["stage"] for s in report.stage_runs) == ["spatial", "temporal"]
    assert list(report.groups) == ["joint"] and report.groups["joint"].pooled["clips"] == 12
    assert report.warnings == []
    md = (sweep / "report" / "report.md").read_text()
    assert "Backbone stage runs (not pooled)" in md and "test/iou 0.4200" in md


def test_unreadable_run_is_skipped_and_reported(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    (sweep / "2" / "frames.csv").unlink()
    (sweep / "1" / "metrics.json").write_text("{not json")
    report = build_report([sweep], tmp_path / "out")
    assert [s.path.parent.name for s in report.skipped] == ["1", "2"]
    text = "\n".join(report.warnings)
    assert "metrics.json without frames.csv" in text and "not readable JSON" in text
    assert "missing fold(s) 1, 2" in text
    assert report.groups["joint"].pooled["clips"] == 4
