"""HOOF: orientation histograms of hand-made flow fields, frame mapping, spotting curve."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.baselines.hoof import (
    frame_flow_index,
    hoof_features,
    hoof_spotting_curve,
    orientation_histograms,
)


def constant_flow(u: float, v: float, size: int = 12) -> np.ndarray:
    flow = np.zeros((2, size, size), np.float32)
    flow[0], flow[1] = u, v
    return flow


@pytest.mark.parametrize(
    "u,v,bin_",
    [(1.0, 0.0, 0), (0.0, 1.0, 2), (-2.0, 0.0, 4), (0.0, -0.5, 6), (1.0, 1.0, 1), (-1, -1, 5)],
)
def test_constant_flow_puts_all_mass_in_one_bin(u: float, v: float, bin_: int) -> None:
    hist = orientation_histograms(constant_flow(u, v), grid=(2, 3), bins=8)
    assert hist.shape == (6, 8)
    np.testing.assert_allclose(hist[:, bin_], 1.0)
    np.testing.assert_allclose(np.delete(hist, bin_, axis=1), 0.0)
    raw = orientation_histograms(constant_flow(u, v), grid=(2, 3), bins=8, normalise=False)
    np.testing.assert_allclose(raw[:, bin_], np.hypot(u, v), rtol=1e-6)  # mean magnitude


def test_histograms_per_block_and_zero_flow() -> None:
    flow = np.zeros((3, 2, 8, 8), np.float32)
    flow[1, 0, :4, :4] = 2.0  # field 1: top-left block moves right
    hist = orientation_histograms(flow, grid=(2, 2), bins=4)
    assert hist.shape == (3, 4, 4)
    assert (hist[0] == 0).all() and (hist[2] == 0).all()  # no motion: empty histograms
    np.testing.assert_allclose(hist[1, 0], [1, 0, 0, 0])
    assert (hist[1, 1:] == 0).all()
    with pytest.raises(ValueError):
        orientation_histograms(np.zeros((3, 8, 8)), bins=8)


def test_frame_flow_index_centres_the_step() -> None:
    np.testing.assert_array_equal(frame_flow_index(8, 4, 4), [0, 0, 0, 1, 2, 3, 3, 3])
    np.testing.assert_array_equal(frame_flow_index(3, 2, 1), [0, 1, 1])
    with pytest.raises(ValueError):
        frame_flow_index(5, 0, 4)


def test_head_motion_is_compensated() -> None:
    flow = np.broadcast_to(constant_flow(1.5, -0.5, 8), (6, 2, 8, 8)).copy()
    feats = hoof_features(flow, n_frames=8, step=2, grid=(2, 2), bins=8)
    assert feats.shape == (8, 4, 8)
    assert np.abs(feats).max() == 0  # a global motion is head motion, removed
    kept = hoof_features(flow, n_frames=8, step=2, grid=(2, 2), bins=8, compensate=False)
    assert kept.sum() > 0


def test_spotting_curve_peaks_on_local_motion() -> None:
    rng = np.random.default_rng(0)
    n_frames, step = 60, 2
    flow = rng.normal(0, 0.05, (n_frames - step, 2, 24, 24)).astype(np.float32)
    flow[25:35, 0, :8, :8] += 1.0  # a local movement to the right in one corner
    curve = hoof_spotting_curve(flow, n_frames, step, k=8, grid=(3, 3))
    assert curve.shape == (n_frames,) and curve.max() == 1.0 and curve.min() >= 0
    assert 22 <= int(np.argmax(curve)) <= 38
