"""Feature-difference analysis: chi-squared distance, F, contrast, mirrored ends."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.baselines.difference import (
    chi2_distance,
    contrast,
    feature_difference,
    neighbours,
    spotting_curve,
)


def test_chi2_distance_by_hand() -> None:
    a = np.array([0.5, 0.5, 0.0])
    b = np.array([0.25, 0.25, 0.5])
    # (0.25^2 / 0.75) * 2 + 0.5^2 / 0.5 = 1/6 + 0.5
    assert chi2_distance(a, b) == pytest.approx(1 / 6 + 0.5)
    assert chi2_distance(a, a) == 0.0
    assert chi2_distance(np.zeros(3), np.zeros(3)) == 0.0  # empty bins add nothing
    assert chi2_distance(np.ones((4, 2, 3)), np.ones(3)).shape == (4, 2)


def test_neighbours_are_mirrored_at_the_ends() -> None:
    tail, head = neighbours(6, 2)
    np.testing.assert_array_equal(tail, [2, 1, 0, 1, 2, 3])
    np.testing.assert_array_equal(head, [2, 3, 4, 5, 4, 3])
    tail, head = neighbours(2, 5)  # shorter than k: clamped into the clip
    assert tail.min() >= 0 and head.max() <= 1


def event_features(t: int = 40, at: tuple[int, int] = (18, 24), blocks: int = 9) -> np.ndarray:
    """Per-frame histograms that change in two blocks during ``at`` only (a local event)."""
    f = np.zeros((t, blocks, 4))
    f[..., 0] = 1.0
    f[at[0] : at[1], :2] = [0.0, 1.0, 0.0, 0.0]
    return f


def test_feature_difference_peaks_on_a_local_event() -> None:
    f = feature_difference(event_features(), k=5, top_fraction=1 / 3)
    assert f.shape == (40,)
    assert f[18:24].min() > 0 and f[:13].max() == 0 and f[30:].max() == 0
    # the event touches 2 of 9 blocks; the mean of the 3 largest dilutes it by 2/3
    full = feature_difference(event_features(), k=5, top_fraction=2 / 9)
    assert full.max() == pytest.approx(1.5 * f.max())


def test_contrast_and_curve() -> None:
    c = contrast(np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4]), 1)
    # a spike stands out; a linear slope and a plateau give 0, a corner a little
    np.testing.assert_allclose(c, [0, 0, 1, 0, 0, 0, 0, 0, 0.05, 0, 0], atol=1e-12)
    curve = spotting_curve(event_features(), k=5)
    assert curve.max() == 1.0 and curve.min() >= 0
    assert 17 <= int(np.argmax(curve)) <= 24
    assert (spotting_curve(np.ones((10, 4, 3)), k=2) == 0).all()  # no change, no score


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k must be"):
        feature_difference(np.zeros((5, 2, 3)), k=0)
    with pytest.raises(ValueError, match="features"):
        feature_difference(np.zeros((5, 3)), k=1)
    with pytest.raises(ValueError, match="top_fraction"):
        feature_difference(np.zeros((5, 2, 3)), k=1, top_fraction=0)
