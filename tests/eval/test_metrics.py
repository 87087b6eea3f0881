"""The torchmetrics objects of the tasks against scikit-learn, accumulated over batches."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from microexp.eval.metrics import FrameAUROC, IntervalF1, recognition_metrics
from tests.eval.test_scores import C, _random_frames, _random_labels, _sklearn_scores


@pytest.mark.parametrize("seed", range(12))
def test_metric_collection_matches_sklearn_over_batches(seed: int) -> None:
    y_true, y_pred = _random_labels(seed)
    collection = recognition_metrics(C).clone(prefix="val/")
    rng = np.random.default_rng(seed)
    cuts = np.unique(np.append(rng.integers(1, y_true.size + 1, size=2), y_true.size))
    start = 0
    for k, stop in enumerate(cuts):
        target = torch.from_numpy(y_true[start:stop])
        preds = torch.from_numpy(y_pred[start:stop])
        if k % 2:  # probabilities for some batches: the argmax is taken
            preds = torch.nn.functional.one_hot(preds, C).float() * 0.8 + 0.04
        collection.update(preds, target)
        start = stop
    out = collection.compute()
    assert set(out) == {"val/accuracy", "val/uf1", "val/uar"}
    for key, value in _sklearn_scores(y_true, y_pred).items():
        assert float(out[f"val/{key}"]) == pytest.approx(value, abs=1e-6), key


def test_frame_auroc_metric_pools_clips() -> None:
    scores, labels = _random_frames(5)
    scores = 1 / (1 + np.exp(-scores))  # intensities in [0, 1]
    metric = FrameAUROC()
    for chunk in np.array_split(np.arange(scores.size), 4):
        preds, target = torch.from_numpy(scores[chunk]), torch.from_numpy(labels[chunk]).long()
        metric.update(preds, target)
    assert float(metric.compute()) == pytest.approx(skm.roc_auc_score(labels, scores), abs=1e-6)


@pytest.mark.parametrize("thresholds", [None, 50])
def test_frame_auroc_single_class_is_nan(
    thresholds: int | None, caplog: pytest.LogCaptureFixture
) -> None:
    metric = FrameAUROC(thresholds=thresholds)
    preds, target = torch.rand(3, 14), torch.zeros(3, 14, dtype=torch.long)
    metric.update(preds, target)
    with caplog.at_level(logging.WARNING):
        assert math.isnan(float(metric.compute()))
    assert "undefined" in caplog.text
    metric.update(torch.rand(2, 14), torch.ones(2, 14, dtype=torch.long))
    assert 0.0 <= float(metric.compute()) <= 1.0


def test_interval_f1_sums_counts_over_clips() -> None:
    metric = IntervalF1()
    metric.update(0, 0, 0)
    assert float(metric.compute()) == 0.0  # no true positive
    for tp, fp, fn in ((1, 0, 0), (0, 1, 1), (1, 1, 0)):
        metric.update(tp, fp, fn)
    assert float(metric.compute()) == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
