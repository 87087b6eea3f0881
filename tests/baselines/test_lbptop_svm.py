"""LBP-TOP feature shape and normalisation; the linear SVM's probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.baselines.lbptop_svm import LbpTopSvm, interval_frames, lbp_top


def test_lbp_top_shape_and_normalisation() -> None:
    rng = np.random.default_rng(0)
    volume = rng.integers(0, 256, (12, 3, 30, 30)).astype(np.uint8)
    feat = lbp_top(volume, grid=(5, 5), points=4, radii=(1, 1, 4))
    bins = 4 * 3 + 3  # nri_uniform with P = 4
    assert feat.shape == (5 * 5 * 3 * bins,)
    per_hist = feat.reshape(25, 3, bins)
    np.testing.assert_allclose(per_hist.sum(-1), 1.0)
    assert (feat >= 0).all()
    p8 = lbp_top(volume, grid=(2, 3), points=8, radii=(1, 1, 2))
    assert p8.shape == (2 * 3 * 3 * 59,)


def test_lbp_top_planes_see_different_things() -> None:
    # a static random texture: XY codes vary, XT/YT codes all say "no temporal change"
    rng = np.random.default_rng(1)
    still = np.repeat(rng.integers(0, 256, (1, 20, 20)).astype(np.uint8), 10, axis=0)
    hist = lbp_top(still, grid=(1, 1), points=4, radii=(1, 1, 2)).reshape(3, 15)
    assert (hist[0] > 0).sum() > 3  # XY: many patterns
    # XT/YT of a still clip: the temporal neighbours equal the centre (bits set), so only
    # patterns with both temporal bits set occur
    assert (hist[1] > 0).sum() < (hist[0] > 0).sum()


def test_short_clips_are_padded() -> None:
    feat = lbp_top(np.zeros((2, 16, 16), np.uint8), grid=(2, 2), radii=(1, 1, 4))
    np.testing.assert_allclose(feat.reshape(4, 3, -1).sum(-1), 1.0)
    with pytest.raises(ValueError):
        lbp_top(np.zeros((0, 16, 16), np.uint8))


def test_interval_frames() -> None:
    np.testing.assert_array_equal(interval_frames([10, 11, 12, 13, 14], 11, 13), [1, 2, 3])
    np.testing.assert_array_equal(interval_frames([10, 11], 50, 60), [0, 1])  # none: all


def test_probabilities_are_a_softmax_of_the_decision_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    svm = LbpTopSvm(3)
    decision = np.array([[0.0, 0.0, -np.inf], [1.0, 3.0, 2.0]])
    monkeypatch.setattr(svm, "decision", lambda features: decision)
    p = svm.predict_proba(np.zeros((2, 4)))
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0])
    assert np.argmax(p[1]) == 1


def test_svm_separates_easy_classes_and_maps_absent_ones() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0] * 6, [3.0] * 6, [-3.0] * 3 + [3.0] * 3])
    labels = np.array([0, 2, 4])  # classes 1 and 3 never seen
    x = np.concatenate([c + rng.normal(0, 0.3, (10, 6)) for c in centres])
    y = np.repeat(labels, 10)
    svm = LbpTopSvm(5).fit(x, y)
    probs = svm.predict_proba(x)
    assert probs.shape == (30, 5)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    assert (probs[:, [1, 3]] == 0).all()
    assert (svm.predict(x) == y).mean() == 1.0
    one = LbpTopSvm(5).fit(x[:10], y[:10])  # a single class: predicted for everything
    assert (one.predict(x) == 0).all()
    with pytest.raises(ValueError, match="labels"):
        LbpTopSvm(2).fit(x, y)


def test_svm_binary_decision() -> None:
    x = np.array([[0.0], [0.1], [1.0], [1.1]])
    y = np.array([1, 1, 3, 3])
    svm = LbpTopSvm(4).fit(x, y)
    np.testing.assert_array_equal(svm.predict(x), y)
    assert svm.decision(x).shape == (4, 4)
