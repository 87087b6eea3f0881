"""The pure scores (recognition, frame AUC, ROC points) against scikit-learn."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from sklearn import metrics as skm

from microexp.eval.scores import confusion_matrix, frame_auc, recognition_scores, roc_points

C = 5


def _random_labels(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels where y_true and y_pred each use a random subset of the classes."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    true_classes = rng.choice(C, size=int(rng.integers(1, C + 1)), replace=False)
    pred_classes = rng.choice(C, size=int(rng.integers(1, C + 1)), replace=False)
    y_true = rng.choice(true_classes, size=n)
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.choice(pred_classes, size=n))
    return y_true, y_pred


def _sklearn_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    return {
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "uf1": skm.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "uar": skm.recall_score(y_true, y_pred, average="macro", zero_division=0),
    }


@pytest.mark.parametrize("seed", range(40))
def test_recognition_scores_match_sklearn(seed: int) -> None:
    y_true, y_pred = _random_labels(seed)
    ours = recognition_scores(y_true, y_pred, C)
    for key, value in _sklearn_scores(y_true, y_pred).items():
        assert ours[key] == pytest.approx(value, abs=1e-6), key
    assert ours["n"] == y_true.size


def test_missing_classes_follow_sklearn_macro_rule() -> None:
    # Class 3 is predicted but never true (recall 0, counted); class 4 is in neither (left out).
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 3, 2, 2])
    ours = recognition_scores(y_true, y_pred, C)
    assert ours["uar"] == pytest.approx((1 + 0.5 + 1 + 0) / 4)
    assert ours["uf1"] == pytest.approx((1 + 2 / 3 + 1 + 0) / 4)
    for key, value in _sklearn_scores(y_true, y_pred).items():
        assert ours[key] == pytest.approx(value, abs=1e-12)


def test_confusion_matrix_matches_sklearn() -> None:
    y_true, y_pred = _random_labels(3)
    expected = skm.confusion_matrix(y_true, y_pred, labels=range(C))
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, C), expected)
    empty = confusion_matrix(np.zeros(0, dtype=int), np.zeros(0, dtype=int), C)
    np.testing.assert_array_equal(empty, np.zeros((C, C)))


def test_recognition_scores_empty_is_nan(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        out = recognition_scores(np.array([], dtype=int), np.array([], dtype=int), C)
    assert all(math.isnan(out[k]) for k in ("accuracy", "uf1", "uar"))
    assert out["n"] == 0
    assert "no samples" in caplog.text


def test_recognition_scores_rejects_bad_labels() -> None:
    with pytest.raises(ValueError):
        recognition_scores(np.array([0, 5]), np.array([0, 1]), C)
    with pytest.raises(ValueError):
        recognition_scores(np.array([0, 1, 2]), np.array([0, 1]), C)


# --------------------------------------------------------------------------- frame AUC


def _random_frames(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 400))
    labels = rng.random(n) < rng.uniform(0.1, 0.6)
    labels[:2] = [True, False]  # both classes present
    scores = labels * rng.uniform(0, 1) + rng.normal(0, 0.5, n)
    if seed % 3 == 0:  # heavy ties
        scores = np.round(scores, 1)
    if seed % 3 == 1:  # raw baseline scores far outside [0, 1]
        scores = scores * 1000 + 300
    return scores, labels


@pytest.mark.parametrize("seed", range(15))
def test_frame_auc_matches_sklearn(seed: int) -> None:
    scores, labels = _random_frames(seed)
    assert frame_auc(scores, labels) == pytest.approx(skm.roc_auc_score(labels, scores), abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_roc_points_match_sklearn(seed: int) -> None:
    scores, labels = _random_frames(seed)
    curve = roc_points(scores, labels)
    fpr, tpr, thr = skm.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(curve.fpr, fpr, atol=1e-6)
    np.testing.assert_allclose(curve.tpr, tpr, atol=1e-6)
    np.testing.assert_allclose(curve.thresholds[1:], thr[1:])
    assert curve.thresholds[0] == np.inf
    assert curve.auc == pytest.approx(skm.roc_auc_score(labels, scores), abs=1e-6)
    assert curve.defined


@pytest.mark.parametrize("label", [0, 1])
def test_single_class_auc_is_nan_with_warning(
    label: int, caplog: pytest.LogCaptureFixture
) -> None:
    scores = np.linspace(0, 1, 20)
    labels = np.full(20, label)
    with caplog.at_level(logging.WARNING):
        assert math.isnan(frame_auc(scores, labels))
        curve = roc_points(scores, labels)
    assert math.isnan(curve.auc) and not curve.defined
    assert "undefined" in caplog.text
    assert math.isnan(frame_auc(np.zeros(0), np.zeros(0)))
