"""MEGC 2019 recognition scores on hand-worked cases: counts pooled over every fold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microexp.eval.megc.recognition import (
    ABSENT_REASON,
    Recognition,
    read_recognition,
    score_recognition,
)
from microexp.eval.megc.records import MegcInputError


def rows(*triples: tuple[str, str, str], dataset: str | None = None) -> list[Recognition]:
    return [Recognition(s, t, p, dataset) for s, t, p in triples]


def test_scores_are_pooled_over_folds_not_averaged_per_fold() -> None:
    data = rows(("s1", "a", "a"), ("s1", "b", "a"), ("s2", "b", "b"), ("s2", "b", "b"),
                ("s2", "a", "b"))  # fmt: skip
    s = score_recognition(data)["overall"]
    # Pooled: a TP 1 FP 1 FN 1 -> F1 2/4, recall 1/2; b TP 2 FP 1 FN 1 -> F1 4/6, recall 2/3.
    assert s["uf1"] == pytest.approx((1 / 2 + 2 / 3) / 2)  # 7/12
    assert s["uar"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert (s["accuracy"], s["n"]) == (pytest.approx(3 / 5), 5)
    # Per fold then averaged: s1 (a 2/3, b 0) 1/3; s2 (a 0, b 4/5) 2/5; mean 11/30.
    per_fold = [score_recognition([r for r in data if r.subject == f]) for f in ("s1", "s2")]
    # (each fold scored alone has only its own classes present: s1 a, b; s2 a, b)
    assert [f["overall"]["uf1"] for f in per_fold] == [pytest.approx(1 / 3), pytest.approx(2 / 5)]
    assert s["uf1"] != pytest.approx(11 / 30)
    assert s["per_class"]["a"] == {"n": 2, "tp": 1, "fp": 1, "fn": 1, "f1": 0.5, "recall": 0.5}


def test_class_absent_from_a_dataset_is_left_out_of_its_means_with_a_reason() -> None:
    data = rows(("x1", "neg", "neg"), ("x1", "pos", "pos"), ("x2", "neg", "sur"), dataset="X")
    data += rows(("y1", "sur", "sur"), ("y1", "neg", "neg"), dataset="Y")
    scores = score_recognition(data)
    assert list(scores) == ["overall", "X", "Y"]
    x = scores["X"]
    # neg: TP 1 FN 1 -> F1 2/3, recall 1/2; pos: F1 1, recall 1; sur never true in X.
    assert x["uf1"] == pytest.approx((2 / 3 + 1) / 2)
    assert x["uar"] == pytest.approx((1 / 2 + 1) / 2)
    assert x["classes"] == ["neg", "pos"]
    assert x["absent_classes"] == ["sur"] and x["absent_reason"] == ABSENT_REASON
    assert x["per_class"]["sur"] == {"n": 0, "tp": 0, "fp": 1, "fn": 0, "f1": None, "recall": None}
    overall = scores["overall"]
    # neg: TP 2 FN 1 -> 4/5, 2/3; pos: 1, 1; sur: TP 1 FP 1 -> 2/3, 1.
    assert overall["uf1"] == pytest.approx((4 / 5 + 1 + 2 / 3) / 3)
    assert overall["uar"] == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert overall["accuracy"] == pytest.approx(4 / 5)
    assert "absent_classes" not in overall and overall["classes"] == ["neg", "pos", "sur"]


def test_label_seen_only_in_pred_is_a_miss_not_a_class() -> None:
    s = score_recognition(rows(("s", "0", "0"), ("s", "1", "7"), ("s", "1", "1")))["overall"]
    assert s["classes"] == ["0", "1"] and "7" not in s["per_class"]
    assert s["uar"] == pytest.approx((1 + 1 / 2) / 2)
    assert s["uf1"] == pytest.approx((1 + 2 / 3) / 2)


def test_classes_in_natural_order() -> None:
    data = rows(*((("s", c, c)) for c in ("10", "2", "1")))
    assert score_recognition(data)["overall"]["classes"] == ["1", "2", "10"]


def test_reading(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("subject,true,pred\nsub01,0,1\n006,2,2\n")
    assert read_recognition(path) == [Recognition("sub01", "0", "1"), Recognition("006", "2", "2")]
    path.write_text("dataset,subject,true,pred\nsamm,006,2,2\n")
    assert read_recognition(path) == [Recognition("006", "2", "2", "samm")]
    for body, message in [
        ("dataset,subject,true,pred\n,006,2,2\n", "line 2: missing value for 'dataset'"),
        ("dataset,subject,true,pred\noverall,006,2,2\n", "line 2: a dataset may not be named"),
        ("subject,true,pred\ns1,0,\n", "line 2: missing value for 'pred'"),
        ("subject,true\ns1,0\n", "missing column(s) pred"),
        ("subject,true,pred\n", "no rows to score"),
    ]:
        path.write_text(body)
        with pytest.raises(MegcInputError, match=r"r\.csv.*" + re.escape(message)):
            read_recognition(path)
