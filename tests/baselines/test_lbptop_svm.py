"""LBP-TOP features (LBPTOP.m's histograms, one interior, blocks of it; the legacy variant) and
the linear SVM's probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.baselines.lbp import lbptop_codes
from microexp.baselines.lbptop_svm import VARIANTS, LbpTopSvm, interval_frames, lbp_top
from tests.baselines.lbptop_reference import reference_histograms, reference_lbptop


@pytest.mark.parametrize("variant", VARIANTS)
def test_lbp_top_shape_and_normalisation(variant: str) -> None:
    rng = np.random.default_rng(0)
    volume = rng.integers(0, 256, (12, 3, 30, 30)).astype(np.uint8)
    feat = lbp_top(volume, grid=(5, 5), points=4, radii=(1, 1, 4), variant=variant)
    bins = 4 * 3 + 3  # nri_uniform with P = 4
    assert feat.shape == (5 * 5 * 3 * bins,)
    per_hist = feat.reshape(25, 3, bins)
    np.testing.assert_allclose(per_hist.sum(-1), 1.0)
    assert (feat >= 0).all()
    p8 = lbp_top(volume, grid=(2, 3), points=8, radii=(1, 1, 2), variant=variant)
    assert p8.shape == (2 * 3 * 3 * 59,)


@pytest.mark.parametrize("variant", VARIANTS)
def test_lbp_top_planes_see_different_things(variant: str) -> None:
    # a static random texture: XY codes vary, XT/YT codes all say "no temporal change"
    rng = np.random.default_rng(1)
    still = np.repeat(rng.integers(0, 256, (1, 20, 20)).astype(np.uint8), 10, axis=0)
    hist = lbp_top(still, grid=(1, 1), points=4, radii=(1, 1, 2), variant=variant).reshape(3, 15)
    assert (hist[0] > 0).sum() > 3  # XY: many patterns
    # XT/YT of a still clip: the temporal neighbours equal the centre (bits set), so only
    # patterns with both temporal bits set occur
    assert (hist[1] > 0).sum() < (hist[0] > 0).sum()


@pytest.mark.parametrize("variant", VARIANTS)
def test_short_clips_are_padded(variant: str) -> None:
    feat = lbp_top(np.zeros((2, 16, 16), np.uint8), grid=(2, 2), radii=(1, 1, 4), variant=variant)
    np.testing.assert_allclose(feat.reshape(4, 3, -1).sum(-1), 1.0)
    with pytest.raises(ValueError):
        lbp_top(np.zeros((0, 16, 16), np.uint8), variant=variant)
    with pytest.raises(ValueError, match="variant"):
        lbp_top(np.zeros((9, 16, 16), np.uint8), variant="zhao")


@pytest.mark.parametrize("radii", [(1, 1, 1), (1, 1, 4), (2, 1, 3)])
@pytest.mark.parametrize("points", [4, 8])
def test_one_block_is_the_matlab_output(radii: tuple[int, int, int], points: int) -> None:
    volume = np.random.default_rng(points).integers(0, 256, (11, 9, 10)).astype(np.uint8)
    feat = lbp_top(volume, grid=(1, 1), points=points, radii=radii, method="default")
    ref = reference_histograms(reference_lbptop(volume, points, radii), points)
    np.testing.assert_array_equal(feat.reshape(3, 2**points), ref)


def test_planes_count_one_interior_split_into_blocks() -> None:
    volume = np.random.default_rng(3).integers(0, 256, (9, 11, 13)).astype(np.uint8)
    radii = (2, 1, 3)
    interior = 3 * 7 * 9  # t in [3, 5], y in [2, 8], x in [2, 10]

    def counts(feat: np.ndarray, centres: int | list[int]) -> np.ndarray:
        n = feat.reshape(3, 16) * np.reshape(centres, (-1, 1))
        np.testing.assert_allclose(n, np.round(n), atol=1e-9)
        return np.round(n).sum(axis=1)

    one = lbp_top(volume, grid=(1, 1), radii=radii, method="default")
    np.testing.assert_array_equal(counts(one, interior), [interior] * 3)
    # the legacy planes each count their own centres: XY all frames, XT all rows, YT all columns
    legacy = lbp_top(volume, grid=(1, 1), radii=radii, method="default", variant="legacy")
    sizes = [9 * 9 * 9, 3 * 11 * 9, 3 * 9 * 13]
    np.testing.assert_array_equal(counts(legacy, sizes), sizes)
    # a grid as fine as the interior: one (y, x) centre per block, over the interior's 3 frames
    codes = lbptop_codes(volume, radii=radii, method="default")
    fine = lbp_top(volume, grid=(7, 9), radii=radii, method="default").reshape(7, 9, 3, 16)
    for y, x in [(0, 0), (3, 4), (6, 8)]:
        for plane in range(3):
            expected = np.bincount(codes[plane, :, y, x], minlength=16) / 3
            np.testing.assert_array_equal(fine[y, x, plane], expected)


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
