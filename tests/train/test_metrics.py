"""metrics.json: the record's keys, their order and where each value comes from."""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

from microexp.train.metrics import SCORES, logged, number, run_metrics, write_metrics

DATA = {
    "root": "/data",
    "fingerprint": "f00d",
    "clips": 15,
    "subjects": 3,
    "skipped": 1,
    "skipped_reasons": [{"subject": "sub02", "episode": "EP01", "reason": "no frames"}],
    "notes": [],
    "frame_stride": 4,
    "dataset": "casme2",
    "classes": ["happiness", "disgust", "repression", "surprise", "others"],
    "split": {"name": "loso", "fold": 0, "train": ["sub02"], "val": [], "test": ["sub01"]},
    "train_clips": 10,
    "val_clips": 0,
    "test_clips": 5,
}


def _metrics(**changes):
    args = {
        "stage": "joint",
        "fold": 0,
        "split": "loso",
        "data": DATA,
        "selected": "last",
        "val": {"val/accuracy": 0.5},
        "test": {"test/accuracy": 0.25, "test/loss": 1.5},
        "exact": {"accuracy": 0.4, "uf1": 0.3, "clips": 5},
        "epochs": 2,
        "resumed_from": None,
        "width": 0.125,
        "pretrained": {"pretrained": "none"},
        "seconds": 12.3,
    }
    return run_metrics(**{**args, **changes})


#: Every run's test scores, in order (the reasons beside the spotting scores that can be null).
TEST_SCORES = [
    "test/accuracy",
    "test/uf1",
    "test/uar",
    "test/outside_fraction",
    "test/auc",
    "test/auc_why",
    "test/spot_f1",
    "test/spot_precision",
    "test/spot_recall",
    "test/spot_f1_why",
    "test/phase_auc",
    "test/phase_auc_why",
    "test/apex_mae",
    "test/apex_nmae",
    "test/apex_hit",
    "test/apex_why",
    "test/ref_centre/apex_mae",
    "test/ref_centre/apex_nmae",
    "test/ref_centre/apex_hit",
    "test/ref_centre/apex_why",
    "test/ref_flow/apex_mae",
    "test/ref_flow/apex_nmae",
    "test/ref_flow/apex_hit",
    "test/ref_flow/apex_why",
    "test/ref_whole/spot_f1",
    "test/ref_whole/spot_precision",
    "test/ref_whole/spot_recall",
    "test/ref_whole/spot_f1_why",
    "test/ref_whole/phase_auc",
    "test/ref_whole/phase_auc_why",
]


def test_keys_in_order() -> None:
    assert list(SCORES) == TEST_SCORES
    assert _metrics()["classes"] == DATA["classes"] and _metrics()["dataset"] == "casme2"
    assert list(_metrics()) == [
        "stage",
        "fold",
        "split",
        "dataset",
        "classes",
        "test_subjects",
        "tuning_subjects",
        "selected",
        "val/accuracy",
        *TEST_SCORES,
        "test/loss",
        "data/clips",
        "data/subjects",
        "data/skipped",
        "data/train_clips",
        "data/val_clips",
        "data/test_clips",
        "data/frame_stride",
        "data/skipped_reasons",
        "data/fingerprint",
        "epochs",
        "resumed_from",
        "width",
        "pretrained/pretrained",
        "seconds",
    ]


def test_values() -> None:
    m = _metrics()
    assert m["test_subjects"] == ["sub01"] and m["tuning_subjects"] == []
    assert _metrics(tuning_subjects=("sub02", "sub03"))["tuning_subjects"] == ["sub02", "sub03"]
    # the exact scores replace the logged ones; the clip count is not a score
    assert m["test/accuracy"] == 0.4 and m["test/uf1"] == 0.3 and "test/clips" not in m
    assert m["test/auc"] is None and m["test/loss"] == 1.5
    assert m["data/clips"] == 15 and m["data/val_clips"] == 0 and m["data/fingerprint"] == "f00d"
    assert m["data/skipped_reasons"][0]["reason"] == "no frames"
    assert m["epochs"] == 2 and m["width"] == 0.125 and m["seconds"] == 12.3


def test_backbone_stage_record() -> None:
    m = _metrics(stage="spatial", exact=None, test={"test/iou": 0.7}, pretrained={})
    assert m["test/iou"] == 0.7
    assert all(m[k] is None for k in SCORES)
    assert not any(k.startswith("pretrained/") for k in m)
    joint = _metrics(pretrained={"pretrained": "auto", "trained_first": ["spatial"]})
    assert joint["pretrained/trained_first"] == ["spatial"]


def test_logged_numbers(tmp_path: Path) -> None:
    values = {"val/a": torch.tensor(0.5), "val/b": torch.tensor(math.nan), "test/c": 2}
    assert logged(values, "val/") == {"val/a": 0.5, "val/b": None}
    assert number(math.inf) is None and number(3) == 3
    path = write_metrics(tmp_path / "metrics.json", {"a": 1, "p": Path("/x")})
    assert json.loads(path.read_text()) == {"a": 1, "p": "/x"}


def test_metrics_json_never_holds_nan(tmp_path: Path) -> None:
    record = _metrics(exact={"auc": math.nan, "apex_mae": 2.0, "clips": 5})
    record["data/skipped_reasons"] = [{"score": math.inf}]
    text = write_metrics(tmp_path / "metrics.json", record).read_text()
    saved = json.loads(text, parse_constant=_no_constant)
    assert saved["test/auc"] is None and saved["test/apex_mae"] == 2.0
    assert saved["data/skipped_reasons"] == [{"score": None}]


def _no_constant(name: str) -> None:
    raise ValueError(f"metrics.json holds {name}")
