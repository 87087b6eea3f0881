"""The clip's release in ``predictions.csv`` and the run's ``recog.csv`` as the MEGC recognition
scorer reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from microexp.eval.megc.recognition import read_recognition, score_recognition
from microexp.eval.records import (
    make_record,
    read_predictions,
    write_predictions,
    write_recognition,
)

CLASSES = ("negative", "positive", "surprise")


def _record(subject: str, dataset: str, label: int, predicted: int):
    probs = np.full((3, 3), 0.1)
    probs[:, predicted] = 0.8
    return make_record(
        subject=subject,
        episode=f"{subject}_1",
        label=label,
        onset=10,
        apex=11,
        offset=12,
        frame_numbers=np.array([10, 11, 12]),
        intensity=np.array([0.1, 0.9, 0.1]),
        target=np.array([0.0, 1.0, 0.0]),
        probs=probs,
        dataset=dataset,
    )


def test_dataset_column_and_recog_csv(tmp_path: Path) -> None:
    records = [
        _record("sub01", "casme2", 0, 0),
        _record("006", "samm", 1, 0),
        _record("s1", "smic", 2, 2),
        _record("s2", "smic", -1, 1),  # no true class: not scored
    ]
    assert [r.pred_label for r in records] == [0, 0, 2, 1]
    write_predictions(records, tmp_path / "predictions.csv", CLASSES)
    rows = read_predictions(tmp_path / "predictions.csv")
    assert [r["dataset"] for r in rows] == ["casme2", "samm", "smic", "smic"]
    write_recognition(records, tmp_path / "recog.csv", CLASSES)
    read = read_recognition(tmp_path / "recog.csv")
    assert [(r.subject, r.true, r.pred, r.dataset) for r in read] == [
        ("sub01", "negative", "negative", "casme2"),
        ("006", "positive", "negative", "samm"),
        ("s1", "surprise", "surprise", "smic"),
    ]
    scores = score_recognition(read)
    assert scores["overall"]["n"] == 3 and scores["smic"]["per_class"]["surprise"]["tp"] == 1
