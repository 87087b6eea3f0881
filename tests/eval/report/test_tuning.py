"""The report flags folds whose test subject took part in the hyper-parameter tuning."""

from __future__ import annotations

import json
from pathlib import Path

from microexp.eval.report.__main__ import main
from tests.eval.report.sweeps import fake_sweep


def _tuned_on(sweep: Path, subjects: list[str]) -> None:
    """Record ``subjects`` as the sweep's tuning subjects, as ``train.py`` writes them."""
    for path in sweep.glob("*/metrics.json"):
        metrics = json.loads(path.read_text())
        path.write_text(json.dumps({**metrics, "tuning_subjects": subjects}))


def test_a_fold_tested_on_a_tuning_subject_is_flagged(tmp_path: Path, capsys) -> None:
    sweep = fake_sweep(tmp_path / "sweep")  # folds 0-2 test sub01-sub03
    _tuned_on(sweep, ["sub02", "sub07"])
    assert main([str(sweep)]) == 0
    assert main([str(sweep), "--strict"]) == 3  # --strict counts it
    report = json.loads((sweep / "report" / "report.json").read_text())
    flagged = [w for w in report["warnings"] if "hyper-parameter tuning" in w]
    assert len(flagged) == 1, report["warnings"]
    assert flagged[0].startswith("joint: fold 1 (1) tests sub02, which took part in")
    assert f"- ⚠ {flagged[0]}" in (sweep / "report" / "report.md").read_text()
    assert "1 warning(s)" in capsys.readouterr().out


def test_no_flag_without_overlap(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    _tuned_on(sweep, ["sub07"])
    assert main([str(sweep), "--strict"]) == 0
    plain = fake_sweep(tmp_path / "plain")  # runs written before tuning_subjects existed
    assert main([str(plain), "--strict"]) == 0
