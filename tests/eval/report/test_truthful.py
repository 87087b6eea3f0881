"""The report tells the truth about what it pooled: title, counts and spreads follow the split,
undefined or degenerate scores are warnings (``--strict`` fails), every promised figure is drawn
or its absence explained, and the JSON is strict."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from microexp.eval.report.__main__ import main
from microexp.eval.report.build import build_report
from microexp.eval.report.write import make_report
from tests.eval.report.sweeps import CLASSES, fake_run, fake_sweep


def _strict_json(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise ValueError(f"{path} holds {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_holdout_report_follows_its_split(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "run", 0, split="holdout", tested=8, subjects=26, clips=2)
    (run / "spatial").mkdir()
    (run / "spatial" / "metrics.json").write_text(
        json.dumps({"stage": "spatial", "fold": None, "split": "holdout", "test/iou": 0.4})
    )
    make_report([run])
    md = (run / "report" / "report.md").read_text()
    assert md.startswith("# Holdout report\n") and "LOSO" not in md
    assert "± 0.00%" not in md and "(1 folds)" not in md and "one fold: no spread" in md
    assert "16 test clips of 8 test subjects (of 26 in the data), split holdout, 1 fold" in md
    assert "| sub01 | holdout | 2 |" in md  # its own split, not every test subject's name
    assert "fold None" not in md and "| None |" not in md and "| spatial | holdout |" in md
    per_fold = _strict_json(run / "report" / "report.json")["groups"]["joint"]["per_fold"]
    assert per_fold["accuracy"]["n"] == 1 and per_fold["accuracy"]["std"] is None


def test_loso_report_keeps_its_title_and_spread(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    make_report([sweep])
    md = (sweep / "report" / "report.md").read_text()
    assert md.startswith("# LOSO report\n") and "(3 folds)" in md
    assert "12 test clips of 3 test subjects (of 3 in the data), split loso, 3 folds" in md
    assert "| sub02 | fold 1 | 4 |" in md


def test_undefined_scores_are_warnings_and_strict_fails(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep", onset_clips=True)  # no frame outside the intervals
    assert main([str(sweep), "--strict"]) == 3
    data = _strict_json(sweep / "report" / "report.json")
    undefined = [w for w in data["warnings"] if "undefined over the pooled folds" in w]
    assert [w.split(" undefined")[0] for w in undefined] == [
        "joint: Frame AUC (inside/outside)",
        "joint: Interval F1 (IoU ≥ 0.5)",
    ]
    md = (sweep / "report" / "report.md").read_text()
    assert all(f"- ⚠ {w}" in md for w in undefined)


def test_paper_row_beside_n_a_is_a_warning(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep", mode="recognition")  # Table 1 has nothing to show
    assert main([str(sweep), "--strict"]) == 3
    warnings = _strict_json(sweep / "report" / "report.json")["warnings"]
    assert any(
        w.startswith("Table 1: Proposed shows n/a") and "beside the paper's 94.24%" in w
        for w in warnings
    )


def test_constant_predictor_is_a_warning(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    for k in range(3):
        path = sweep / str(k) / "predictions.csv"
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["pred_label"], row["pred_class"] = "1", CLASSES[1]
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    warnings = build_report([sweep], tmp_path / "out").warnings
    assert any("predicts one class (disgust) for every clip" in w for w in warnings)


def test_every_promised_figure_is_drawn_or_explained(tmp_path: Path) -> None:
    one = fake_sweep(tmp_path / "one")  # a single method: its pooled ROC in roc_methods.png
    make_report([one])
    assert (one / "report" / "roc_methods.png").is_file()
    assert "![roc_methods](roc_methods.png)" in (one / "report" / "report.md").read_text()

    short = fake_sweep(tmp_path / "short", onset_clips=True)
    make_report([short])
    md = (short / "report" / "report.md").read_text()
    assert not (short / "report" / "roc_methods.png").exists()
    assert "- `roc_methods.png` not drawn: no method has a defined pooled frame ROC" in md
    assert "- `roc.png` not drawn: only 0% of the" in md
    data = _strict_json(short / "report" / "report.json")
    assert "roc" in data["groups"]["joint"]["missing_plots"]
