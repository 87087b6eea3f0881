"""The report on clips cut at their onset and offset: apex MAE and phase AUC beside the reference
rows, Table 1's metric and its sentence, the new keys cross-checked against metrics.json, older
run folders without them, and JSON without NaN."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from microexp.eval.record_scores import SCORE_KEYS
from microexp.eval.records import REQUIRED_FIELDS, records_from_files
from microexp.eval.report.build import build_report
from microexp.eval.report.write import make_report
from tests.eval.report.sweeps import CLASSES, fake_sweep


def _strict_json(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise ValueError(f"{path} holds {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def _apex_from_csv(folders: list[Path], column: str) -> float:
    """Mean |apex - true apex| over the clips of ``folders``, from the CSV files only."""
    errors = []
    for folder in folders:
        with (folder / "predictions.csv").open(newline="") as fh:
            errors += [abs(int(r[column]) - int(r["true_apex"])) for r in csv.DictReader(fh)]
    return float(np.mean(errors))


def test_report_on_onset_clips_shows_apex_metrics_beside_the_references(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep", onset_clips=True)
    folders = [sweep / str(k) for k in range(3)]
    report = make_report([sweep])
    data = _strict_json(sweep / "report" / "report.json")
    # metrics.json agrees with the CSVs, null with null; the two undefined scores are warnings
    assert [w.split(" undefined")[0] for w in data["warnings"]] == [
        "joint: Frame AUC (inside/outside)",
        "joint: Interval F1 (IoU ≥ 0.5)",
    ]
    g = data["groups"]["joint"]
    pooled = g["pooled"]
    assert pooled["outside_fraction"] == 0.0
    assert pooled["auc"] is None and "only 0% of the" in pooled["auc_why"]
    assert pooled["spot_f1"] is None and "interval F1 needs >= 20%" in pooled["spot_f1_why"]
    assert pooled["apex_mae"] == pytest.approx(_apex_from_csv(folders, "pred_apex"), abs=1e-12)
    assert pooled["ref_centre/apex_mae"] == pytest.approx(
        _apex_from_csv(folders, "ref_centre_apex"), abs=1e-12
    )
    assert pooled["ref_flow/apex_mae"] == pytest.approx(
        _apex_from_csv(folders, "ref_flow_apex"), abs=1e-12
    )
    assert 0.5 < pooled["phase_auc"] <= 1 and pooled["ref_whole/phase_auc"] == 0.5
    # per fold: the new keys, each fold's numbers those of its own metrics.json
    assert g["per_fold"]["apex_mae"]["n"] == 3 and g["per_fold"]["ref_flow/apex_mae"]["n"] == 3
    for fold, folder in zip(g["folds"], folders):
        saved = json.loads((folder / "metrics.json").read_text())
        for key in SCORE_KEYS[:-1]:
            want = saved[f"test/{key}"]
            if isinstance(want, float):  # phase AUC from 6-decimal intensities
                want = pytest.approx(want, abs=1e-3 if "auc" in key else 1e-12)
            assert fold["scores"][key] == want, key
    assert g["plots"].get("roc") is None  # no ROC curve without frames outside

    # Table 1 shows the metric that is defined, with the reference rows and a sentence
    t1 = data["tables"]["table1"]
    assert t1["metric"] == "apex_mae"
    assert t1["why"].startswith("Spotting metric: apex MAE") and "only 0% of the" in t1["why"]
    rows = {r["method"]: r for r in t1["rows"]}
    assert rows["Proposed"]["ours"] == pytest.approx(pooled["apex_mae"])
    assert rows["Proposed"]["published"] == 94.24
    assert rows["Reference: centre frame as apex"]["ours"] == pooled["ref_centre/apex_mae"]
    assert rows["Reference: flow-magnitude peak as apex"]["ours"] == pooled["ref_flow/apex_mae"]
    assert rows["Reference: whole clip as the interval"]["phase_auc"] == 0.5
    md = (sweep / "report" / "report.md").read_text()
    assert t1["why"] in md
    assert f"| Proposed | 94.24% | {pooled['apex_mae']:.2f} frames |" in md
    for title in ("centre frame as apex", "flow-magnitude peak as apex", "whole clip as the"):
        assert f"| Reference: {title}" in md
    assert "### Beside the references (pooled over all folds)" in md
    assert f"n/a: {pooled['auc_why']}" in md
    assert report.groups["joint"].roc is None


def test_table1_keeps_frame_auc_where_it_is_defined(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    make_report([sweep])
    t1 = _strict_json(sweep / "report" / "report.json")["tables"]["table1"]
    assert t1["metric"] == "auc" and t1["why"].startswith("Spotting metric: frame AUC")
    assert not any(r["method"].startswith("Reference") for r in t1["rows"])
    assert t1["why"] in (sweep / "report" / "report.md").read_text()


def test_new_keys_are_cross_checked_null_with_null(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep", onset_clips=True)
    path = sweep / "1" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["test/apex_mae"] += 1.0
    metrics["test/auc"] = 0.5  # the CSVs say null
    path.write_text(json.dumps(metrics))
    [warning] = [w for w in build_report([sweep], tmp_path / "out").warnings if "disagrees" in w]
    assert "metrics.json disagrees" in warning
    assert "test/apex_mae" in warning and "test/auc 0.5000 vs null" in warning


def test_older_run_folders_without_the_new_columns(tmp_path: Path) -> None:
    sweep = fake_sweep(tmp_path / "sweep", onset_clips=True)
    for k in range(3):
        folder = sweep / str(k)
        with (folder / "predictions.csv").open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        keep = [*REQUIRED_FIELDS, *(f"p_{c}" for c in CLASSES)]
        with (folder / "predictions.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, keep, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        path = folder / "metrics.json"
        old = {k: v for k, v in json.loads(path.read_text()).items() if "apex" not in k}
        path.write_text(json.dumps(old))
    folder = sweep / "0"
    records = records_from_files(folder / "predictions.csv", folder / "frames.csv", CLASSES)
    assert all(r.ref_centre_apex is None and r.ref_flow_apex is None for r in records)
    assert all(r.pred_apex is None and r.first_frame is None for r in records)
    make_report([sweep])
    data = _strict_json(sweep / "report" / "report.json")
    assert not any("disagrees" in w for w in data["warnings"])
    pooled = data["groups"]["joint"]["pooled"]
    assert pooled["ref_centre/apex_mae"] is None and pooled["ref_centre/apex_why"]
    assert pooled["apex_mae"] is None and pooled["apex_why"] == "no clip has a predicted apex"
