"""Hand-made run and sweep folders as ``train.py`` writes them, and their numbers recomputed
from the CSV files with csv and scikit-learn only."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.metrics import f1_score, recall_score, roc_auc_score

from microexp.eval.record_scores import scores_from_records
from microexp.eval.records import make_record, write_frames, write_predictions
from tests.conftest import ROOT

CLASSES = ["happiness", "disgust", "repression", "surprise", "others"]
SPOT = {"method": "threshold", "threshold": 0.3, "smooth": 1, "min_length": 2}


def _records(
    subject: str, clips: int, rng: np.random.Generator, mode: str, onset_clips: bool = False
) -> list:
    """Hand-made clip records of one subject; ``mode``: both, spotting, recognition. With
    ``onset_clips`` each clip spans its onset..offset (as CASME II's: every predicted frame is
    inside) and has a flow reference apex a third of the way in."""
    out = []
    for j in range(clips):
        t = int(rng.integers(16, 26))
        frames = 100 + 4 * np.arange(t)
        onset = int(frames[int(rng.integers(2, 5))])
        offset = int(frames[int(rng.integers(t - 6, t - 2))])
        first = flow_apex = None
        if onset_clips:
            first, frames, t = int(frames[0]), frames[1:], t - 1
            onset, offset = first, int(frames[-1])
            flow_apex = int(frames[t // 3])
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
            first_frame=first,
            flow_apex=flow_apex,
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
    onset_clips: bool = False,
    split: str = "loso",
    tested: int = 1,
) -> Path:
    """One run folder as ``train.py`` writes it: metrics.json, the CSVs, .hydra/config.yaml.

    ``split`` other than loso: a run without a fold (``fold`` null) testing ``tested``
    subjects of ``subjects``."""
    rng = np.random.default_rng(seed * 100 + fold)
    names = [f"sub{fold + 1 + k:02d}" for k in range(tested)]
    records = [r for name in names for r in _records(name, clips, rng, mode, onset_clips)]
    write_predictions(records, folder / "predictions.csv", CLASSES)
    write_frames(records, folder / "frames.csv", CLASSES)
    exact = scores_from_records(
        records, len(CLASSES), recognition=mode != "spotting", spotting=mode != "recognition"
    )
    metrics = {
        "stage": stage,
        "fold": fold if split == "loso" else None,
        "split": split,
        "test_subjects": names,
        "selected": "last",
        **{f"test/{k}": v for k, v in exact.items() if k != "clips"},
        "data/clips": max(subjects, tested) * clips,
        "data/subjects": subjects,
        "data/fingerprint": "f00d",
        "data/frame_stride": 4,
        "epochs": 2,
        "width": width,
        "seconds": 1.5,
        "resumed_from": None,
    }
    (folder / "metrics.json").write_text(json.dumps(metrics))
    config = {
        "seed": 42,
        "width": width,
        "split": {"name": split, "fold": fold if split == "loso" else None},
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
    # inside/outside scores need 20% of the frames outside the intervals
    gated = np.mean(np.array(inside) == 0) < 0.2
    return {
        "accuracy": float(np.mean(y_true == y_pred)),
        "uf1": float(f1_score(y_true, y_pred, average="macro")),
        "uar": float(recall_score(y_true, y_pred, average="macro")),
        "auc": float(roc_auc_score(inside, scores))
        if np.all(np.isfinite(scores)) and not gated
        else None,
        "spot_f1": None if gated else 2 * tp / (2 * tp + fp + fn),
        "tp": None if gated else tp,
        "fp": None if gated else fp,
        "fn": None if gated else fn,
        "clips": len(y_true),
        "frames": len(scores),
        "fold_accuracy": per_fold_acc,
    }


def check_against_csv(report_json: dict, folders: list[Path], group: str = "joint") -> None:
    g = report_json["groups"][group]
    want = recompute(folders)
    pooled = g["pooled"]
    for key in ("accuracy", "uf1", "uar", "spot_f1"):
        same(pooled[key], want[key], 1e-12, key)
    # frame_auc comes from torchmetrics in float32
    same(pooled["auc"], want["auc"], 1e-6, "auc")
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


def same(value: float | None, want: float | None, tol: float, key: str = "") -> None:
    """Both null, or both numbers within ``tol``."""
    assert (value is None) == (want is None), (key, value, want)
    if want is not None:
        assert value == pytest.approx(want, abs=tol), key


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m microexp.eval.report ARGS`` in a real process, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "microexp.eval.report", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
