"""The LOSO report: pooled numbers recomputed independently from the CSV files, fold and config
checks, baselines beside the network, the paper's tables, the CLI (fast: hand-made sweeps; slow:
a real 3-fold ``train.py -m`` sweep)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.metrics import f1_score, recall_score, roc_auc_score

from microexp.eval.paper_tables import OURS_LABEL, PUBLISHED_LABEL, TABLE1, TABLE2
from microexp.eval.records import make_record, write_frames, write_predictions
from microexp.eval.report import build_report, main, make_report
from microexp.eval.scores import scores_from_records
from tests.conftest import ROOT, tiny_overrides
from tests.eval.test_plots import assert_png

CLASSES = ["happiness", "disgust", "repression", "surprise", "others"]
SPOT = {"method": "threshold", "threshold": 0.3, "smooth": 1, "min_length": 2}


# --------------------------------------------------------------------------- fake sweeps


def _records(subject: str, clips: int, rng: np.random.Generator, mode: str) -> list:
    """Hand-made clip records of one subject; ``mode``: both, spotting, recognition."""
    out = []
    for j in range(clips):
        t = int(rng.integers(16, 26))
        frames = 100 + 4 * np.arange(t)
        onset = int(frames[int(rng.integers(2, 5))])
        offset = int(frames[int(rng.integers(t - 6, t - 2))])
        apex = (onset + offset) // 2
        target = np.interp(frames, [onset, apex, offset], [0.0, 1.0, 0.0], left=0, right=0)
        intensity = np.clip(target + rng.normal(0, 0.25, t), 0, 1)
        if mode == "recognition":
            intensity = np.zeros(t)
        label = int(rng.integers(0, len(CLASSES)))
        alpha = np.ones(len(CLASSES))
        leaning = label if rng.random() < 0.5 else int(rng.integers(0, len(CLASSES)))
        alpha[leaning] += 2.0
        probs = rng.dirichlet(alpha, size=t)
        r = make_record(
            subject=subject,
            episode=f"EP{j:02d}_01",
            label=label,
            onset=onset,
            apex=apex,
            offset=offset,
            frame_numbers=frames,
            intensity=intensity,
            target=target,
            probs=probs,
            spot={**SPOT, "threshold": 2.0} if mode == "recognition" else SPOT,
        )
        if mode == "spotting":
            r.pred_label, r.confidence, r.clip_probs = -1, float("nan"), None
        out.append(r)
    return out


def fake_run(
    folder: Path,
    fold: int,
    *,
    stage: str = "joint",
    mode: str = "both",
    clips: int = 4,
    seed: int = 0,
    subjects: int = 3,
    lr: float = 1e-3,
    width: float = 0.125,
) -> Path:
    """One run folder as ``train.py`` writes it: metrics.json, the CSVs, .hydra/config.yaml."""
    rng = np.random.default_rng(seed * 100 + fold)
    subject = f"sub{fold + 1:02d}"
    records = _records(subject, clips, rng, mode)
    write_predictions(records, folder / "predictions.csv", CLASSES)
    write_frames(records, folder / "frames.csv", CLASSES)
    exact = scores_from_records(records, len(CLASSES))
    metrics = {
        "stage": stage,
        "fold": fold,
        "split": "loso",
        "test_subjects": [subject],
        "selected": "last",
        **{f"test/{k}": v for k, v in exact.items() if k != "clips"},
        "data/clips": subjects * clips,
        "data/subjects": subjects,
        "data/fingerprint": "f00d",
        "data/frame_stride": 4,
        "epochs": 2,
        "width": width,
        "seconds": 1.5,
        "resumed_from": None,
    }
    if mode == "spotting":
        metrics.update({"test/accuracy": None, "test/uf1": None, "test/uar": None})
    if mode == "recognition":
        metrics.update({"test/auc": None, "test/spot_f1": None})
    (folder / "metrics.json").write_text(json.dumps(metrics))
    config = {
        "seed": 42,
        "width": width,
        "split": {"name": "loso", "fold": fold},
        "model": {"optimizer": {"lr": lr}, "spot": SPOT},
        "paths": {"output_dir": str(folder)},
        "data": {"root": "/somewhere", "frame_stride": 4},
        "hydra": {"job": {"num": fold}},
    }
    (folder / ".hydra").mkdir(exist_ok=True)
    (folder / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def fake_sweep(root: Path, folds: int = 3, **kwargs) -> Path:
    for k in range(folds):
        fake_run(root / str(k), k, **kwargs)
    return root


# --------------------------------------------------------------------------- recomputation


def recompute(folders: list[Path]) -> dict:
    """Pooled and per-fold scores straight from the CSV files (csv + scikit-learn only)."""
    y_true, y_pred, per_fold_acc = [], [], []
    tp = fp = fn = 0
    scores, inside = [], []
    for folder in folders:
        with (folder / "predictions.csv").open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        t = [int(r["true_label"]) for r in rows]
        p = [int(r["pred_label"]) for r in rows]
        y_true += t
        y_pred += p
        per_fold_acc.append(float(np.mean(np.array(t) == np.array(p))))
        for r in rows:
            on, off = int(r["true_onset"]), int(r["true_offset"])
            preds = json.loads(r["pred_intervals"])
            hits = 0
            for a, b, _ in preds:
                inter = min(b, off) - max(a, on) + 1
                union = (b - a + 1) + (off - on + 1) - max(inter, 0)
                if inter > 0 and inter / union >= 0.5:
                    hits = 1
            tp, fp, fn = tp + hits, fp + len(preds) - hits, fn + 1 - hits
        with (folder / "frames.csv").open(newline="") as fh:
            for r in csv.DictReader(fh):
                scores.append(float(r["intensity"]))
                inside.append(int(r["inside"]))
    y_true, y_pred = np.array(y_true), np.array(y_pred)
    return {
        "accuracy": float(np.mean(y_true == y_pred)),
        "uf1": float(f1_score(y_true, y_pred, average="macro")),
        "uar": float(recall_score(y_true, y_pred, average="macro")),
        "auc": float(roc_auc_score(inside, scores)) if np.all(np.isfinite(scores)) else None,
        "spot_f1": 2 * tp / (2 * tp + fp + fn),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "clips": len(y_true),
        "frames": len(scores),
        "fold_accuracy": per_fold_acc,
    }


def check_against_csv(report_json: dict, folders: list[Path], group: str = "joint") -> None:
    g = report_json["groups"][group]
    want = recompute(folders)
    pooled = g["pooled"]
    for key in ("accuracy", "uf1", "uar", "spot_f1"):
        assert pooled[key] == pytest.approx(want[key], abs=1e-12), key
    # frame_auc comes from torchmetrics in float32
    assert pooled["auc"] == pytest.approx(want["auc"], abs=1e-6)
    assert (pooled["spot_tp"], pooled["spot_fp"], pooled["spot_fn"]) == (
        want["tp"],
        want["fp"],
        want["fn"],
    )
    assert pooled["clips"] == want["clips"] and pooled["frames"] == want["frames"]
    acc = g["per_fold"]["accuracy"]
    assert acc["mean"] == pytest.approx(np.mean(want["fold_accuracy"]))
    assert acc["std"] == pytest.approx(np.std(want["fold_accuracy"]))
    assert acc["n"] == len(folders)


# --------------------------------------------------------------------------- fast tests


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


def test_metrics_json_disagreeing_with_csv_is_a_warning(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    path = sweep / "1" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["test/accuracy"] = metrics["test/accuracy"] + 0.25
    path.write_text(json.dumps(metrics))
    [warning] = build_report([sweep], tmp_path / "out").warnings
    assert "fold 1 (1): metrics.json disagrees" in warning and "test/accuracy" in warning


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "microexp.eval.report", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_cli_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _cli(str(empty))  # the real process: exit status and stderr as a user sees them
    assert out.returncode == 1
    assert out.stderr.startswith("error: no metrics.json under") and "Traceback" not in out.stderr
    assert out.stdout == "" and not (empty / "report").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: None, "does not exist"),
        (lambda d: d.mkdir() or (d / "metrics.json").write_text("[1, 2]"), "no readable run"),
        (lambda d: d.write_text("x"), "is not a folder"),
    ],
    ids=["missing", "broken-metrics", "a-file"],
)
def test_cli_bad_input_is_one_error_line(tmp_path: Path, capsys, make, message: str) -> None:
    target = tmp_path / "runs"
    make(target)
    assert main([str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_cli_prints_a_summary(tmp_path: Path, capsys) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    assert main([str(sweep)]) == 0
    pooled = json.loads((sweep / "report" / "report.json").read_text())["groups"]["joint"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Proposed (joint): 3 fold(s), 12 clips")
    assert f"accuracy {100 * pooled['pooled']['accuracy']:.2f}%" in lines[0]
    assert lines[1].startswith(f"report: {sweep / 'report' / 'report.md'}")


def test_scores_from_records_is_reexported_by_the_task() -> None:
    from microexp.eval import figures, scores
    from microexp.tasks import joint

    assert joint.scores_from_records is scores.scores_from_records
    assert joint.write_plots is figures.write_plots


# --------------------------------------------------------------------------- real sweep


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
    out = _cli(str(sweep))
    assert out.returncode == 0, out.stderr
    data = json.loads((sweep / "report" / "report.json").read_text())
    assert data["warnings"] == []
    folders = [sweep / str(k) for k in range(3)]
    check_against_csv(data, folders)
    g = data["groups"]["joint"]
    # the per-fold numbers are each run's own metrics.json numbers
    for fold, folder in zip(g["folds"], folders):
        saved = json.loads((folder / "metrics.json").read_text())
        assert fold["fold"] == saved["fold"]
        for key in ("accuracy", "uf1", "uar", "spot_f1"):
            assert fold["scores"][key] == pytest.approx(saved[f"test/{key}"], abs=1e-9)
        assert fold["scores"]["auc"] == pytest.approx(saved["test/auc"], abs=1e-3)
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
    assert data["warnings"] == []
    assert list(data["groups"]) == ["hoof", "lbp", "lbptop_svm"]
    for name in ("hoof", "lbp"):
        g = data["groups"][name]
        assert g["spotting"] and not g["recognition"]
        assert g["pooled"]["auc"] == pytest.approx(
            recompute(sorted((base / name).glob("fold_*")))["auc"], abs=1e-6
        )
    svm = data["groups"]["lbptop_svm"]
    assert svm["recognition"] and not svm["spotting"]
    assert svm["pooled"]["accuracy"] == pytest.approx(
        recompute(sorted((base / "lbptop_svm").glob("fold_*")))["accuracy"]
    )
    t1 = {r["method"]: r["ours"] for r in data["tables"]["table1"]["rows"]}
    assert t1["LBP"] is not None and t1["HOOF"] is not None and t1["Proposed"] is None
