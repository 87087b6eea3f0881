"""The report's MEGC tables: long-video spotting pooled over LOSO folds (TP/FP/FN summed, then
F1) beside the published rows, and the MEGC 2019 composite per release, both equal to what
``python -m microexp.eval.megc`` computes on the same rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from microexp.eval.megc.cli import main as megc_main
from microexp.eval.report.__main__ import main
from microexp.eval.report.build import build_report
from tests.eval.report.long_runs import POOLED, long_run
from tests.eval.report.sweeps import fake_sweep

KINDS = ("micro", "macro", "overall")


def _long_sweep(root: Path) -> Path:
    for fold in (0, 1):
        long_run(root / str(fold), fold)
    return root


def test_spotting_pools_counts_over_folds_beside_published_rows(tmp_path: Path) -> None:
    sweep = _long_sweep(tmp_path / "lv")
    assert main([str(sweep), "--strict"]) == 0  # no clip run needed, no warning
    data = json.loads((sweep / "report" / "report.json").read_text())
    scores = data["megc"]["spotting"]["joint"]["scores"]["CASME_sq"]
    for kind in KINDS:
        tp, fp, fn, f1 = POOLED[kind]
        assert (scores[kind]["tp"], scores[kind]["fp"], scores[kind]["fn"]) == (tp, fp, fn)
        assert scores[kind]["f1"] == pytest.approx(f1, abs=1e-12)
    md = (sweep / "report" / "report.md").read_text()
    assert "### CAS(ME)² long videos (`CASME_sq`)" in md
    assert (
        "| Proposed (joint) | ours (2 folds, pooled) | 0.4000 | 0.5714 | 0.5000 | 1 / 2 / 1 |"
        in md
    )
    assert "| AUW-GCN | published | 0.1538 | 0.4235 | 0.3834 |" in md
    assert "selects the best epoch on the test subject" in md
    assert (
        "| MEGC 2020 baseline (MDMD, He et al.) | published | 0.0082 | 0.1196 | 0.0376 | 21 / "
        in md
    )


def test_spotting_files_give_the_scorer_cli_numbers(tmp_path: Path) -> None:
    sweep = _long_sweep(tmp_path / "lv")
    assert main([str(sweep)]) == 0
    data = json.loads((sweep / "report" / "report.json").read_text())
    entry = data["megc"]["spotting"]["joint"]
    files = {k: sweep / "report" / v for k, v in entry["files"].items()}
    out = tmp_path / "cli.json"
    assert megc_main(["spot", "--truth", str(files["truth"]), "--pred", str(files["spots"]),
                      "--out", str(out)]) == 0  # fmt: skip
    assert json.loads(out.read_text()) == entry["scores"]


def test_spotting_counts_from_metrics_json_without_files(tmp_path: Path) -> None:
    base = tmp_path / "baselines"
    for fold in (0, 1):
        long_run(base / str(fold), fold, stage="lbp", files=False, dataset="SAMM")
    report = build_report([_long_sweep(tmp_path / "lv"), base], tmp_path / "out")
    lbp = report.megc["lbp"]
    assert list(lbp.scores) == ["SAMM"] and "metrics.json for fold 0, fold 1" in lbp.source
    for kind in KINDS:
        s = lbp.scores["SAMM"][kind]
        assert (s["tp"], s["fp"], s["fn"]) == POOLED[kind][:3]
    assert list(report.megc) == ["joint", "lbp"] and report.warnings == []


def test_spotting_metrics_disagreeing_with_files_is_a_warning(tmp_path: Path) -> None:
    sweep = _long_sweep(tmp_path / "lv")
    path = sweep / "0" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["test/megc/macro_tp"] = 2
    path.write_text(json.dumps(metrics))
    [warning] = build_report([sweep], tmp_path / "out").warnings
    assert "metrics.json disagrees with its spots.csv/truth.csv" in warning
    assert "test/megc/macro_tp 2 vs 1" in warning


def _with_datasets(sweep: Path, names: list[str]) -> list[Path]:
    """Give each fold's predictions.csv a dataset column (fold k: ``names[k]``)."""
    folders = [sweep / str(k) for k in range(len(names))]
    for folder, name in zip(folders, names):
        path = folder / "predictions.csv"
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, ["dataset", *(k for k in rows[0] if k != "dataset")])
            writer.writeheader()
            writer.writerows({**row, "dataset": name} for row in rows)
    return folders


def test_composite_equals_the_scorer_cli_per_release(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep", folds=4)
    folders = _with_datasets(sweep, ["casme2", "samm", "smic", "casme2"])
    pred = tmp_path / "P.csv"  # the scorer's input, straight from the runs' predictions.csv
    with pred.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["subject", "true", "pred", "dataset"])
        for folder in folders:
            with (folder / "predictions.csv").open(newline="") as fh:
                for r in csv.DictReader(fh):
                    writer.writerow([r["subject"], r["true_class"], r["pred_class"], r["dataset"]])
    want = tmp_path / "cli.json"
    assert megc_main(["recog", "--pred", str(pred), "--out", str(want)]) == 0
    want = json.loads(want.read_text())
    assert main([str(sweep)]) == 0
    data = json.loads((sweep / "report" / "report.json").read_text())
    got = data["megc"]["composite"]["joint"]["scores"]
    assert list(got) == ["overall", "casme2", "samm", "smic"]
    for dataset in got:
        for key in ("uf1", "uar", "accuracy", "n"):
            assert got[dataset][key] == want[dataset][key], (dataset, key)
    md = (sweep / "report" / "report.md").read_text()
    row = "| Proposed (joint) | ours, pooled (n: overall 16, casme2 8, samm 4, smic 4) | "
    assert row + f"{got['overall']['uf1']:.4f} | {got['overall']['uar']:.4f} |" in md
    assert "| STSTNet (PyTorch run log) | published: fixed 800 epochs" in md
    assert "0.7209 | 0.7250 |" in md
    assert "| Reference: constant predictor (majority class of each column) |" in md
    const = data["megc"]["composite"]["joint"]["references"]["constant"]["overall"]
    assert const["uar"] == pytest.approx(1 / len(got["overall"]["classes"]))


def test_no_composite_table_without_two_releases(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    report = build_report([sweep], tmp_path / "out")
    assert report.composite == {} and report.megc == {}  # no dataset column
    _with_datasets(sweep, ["casme2"] * 3)  # one release: not a composite
    assert build_report([sweep], tmp_path / "out").composite == {}
    _with_datasets(sweep, ["casme2", "samm", "smic"])
    assert list(build_report([sweep], tmp_path / "out").composite) == ["joint"]


def test_long_video_baseline_folders_without_a_stage(tmp_path: Path) -> None:
    """The long-video baselines write ``<method>/fold_NN/`` and name neither method nor fold in
    metrics.json: the folders do."""
    for fold in (0, 1):
        run = long_run(tmp_path / "out" / "hoof" / f"fold_{fold:02d}", fold)
        metrics = json.loads((run / "metrics.json").read_text())
        for key in ("stage", "fold", "split", "test_subjects", "selected"):
            del metrics[key]
        (run / "metrics.json").write_text(json.dumps(metrics))
    report = build_report([tmp_path / "out"], tmp_path / "report")
    hoof = report.megc["hoof"]
    assert hoof.method.row == "HOOF" and hoof.folds == ["fold 0", "fold 1"]
    assert hoof.scores["CASME_sq"]["overall"]["f1"] == POOLED["overall"][3]
    assert report.warnings == [] and report.skipped == []


def test_spotting_undefined_or_silent_is_a_warning(tmp_path: Path) -> None:
    run = long_run(tmp_path / "lv" / "1", 1)
    (run / "spots.csv").write_text("dataset,video,start,end,score,type\n")  # nothing spotted
    (run / "truth.csv").write_text(
        "dataset,video,type,onset,apex,offset\nCASME_sq,16_0401,micro,5,8,12\n"
    )
    metrics = json.loads((run / "metrics.json").read_text())
    metrics = {k: v for k, v in metrics.items() if not k.startswith("test/megc/")}
    (run / "metrics.json").write_text(json.dumps(metrics))
    warnings = build_report([tmp_path / "lv"], tmp_path / "out").warnings
    assert warnings == [
        "joint (MEGC spotting): CASME_sq macro F1 undefined: no truth intervals and no "
        "predictions",
        "joint (MEGC spotting): CASME_sq: nothing spotted in any video (F1 0, a silent "
        "predictor's)",
    ]
    assert main([str(tmp_path / "lv"), "--strict"]) == 3
