"""HOOF: orientation histograms of hand-made flow fields, frame mapping, spotting curve."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.baselines.hoof import hoof_features, hoof_spotting_curve, orientation_histograms
from microexp.flow.head_motion import remove_head_motion
from microexp.flow.reference import FlowReference


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


def test_each_frame_gets_its_entry() -> None:
    flow = np.zeros((3, 2, 8, 8), np.float32)  # chain entries at frames 0, 4, 8
    flow[1, 0] = 1.0
    flow[2, 1] = 1.0
    onset = hoof_features(flow, 9, FlowReference("onset", 4), grid=(1, 1), bins=4)
    assert onset.shape == (9, 1, 4)
    # frames 0-1: entry 0 (no motion), 2-5: entry 1 (+x), 6-8: entry 2 (+y)
    assert [int(h.argmax()) if h.any() else -1 for h in onset[:, 0]] == [-1] * 2 + [0] * 4 + [
        1
    ] * 3
    previous = hoof_features(flow, 9, FlowReference("previous", 4), grid=(1, 1), bins=4)
    assert [int(h.argmax()) for h in previous[:, 0]] == [0] * 4 + [1] * 5
    with pytest.raises(ValueError):
        hoof_features(np.zeros((0, 2, 8, 8)), 5, FlowReference())


def test_head_motion_removed_by_the_store_leaves_nothing() -> None:
    """The store hands HOOF its flow with the head motion removed: a global motion is gone."""
    flow = np.broadcast_to(constant_flow(1.5, -0.5, 8), (3, 2, 8, 8)).copy()
    reference = FlowReference("onset", 2)
    feats = hoof_features(remove_head_motion(flow), 5, reference, grid=(2, 2), bins=8)
    assert feats.shape == (5, 4, 8) and np.abs(feats).max() == 0
    assert hoof_features(flow, 5, reference, grid=(2, 2), bins=8).sum() > 0


def test_spotting_curve_peaks_on_local_motion() -> None:
    rng = np.random.default_rng(0)
    n_frames, stride = 60, 2
    entries = (n_frames - 1) // stride + 1
    flow = rng.normal(0, 0.05, (entries, 2, 24, 24)).astype(np.float32)
    flow[12:18, 0, :8, :8] += 1.0  # a local movement to the right in one corner (frames 24-34)
    curve = hoof_spotting_curve(flow, n_frames, FlowReference("previous", stride), 8, grid=(3, 3))
    assert curve.shape == (n_frames,) and curve.max() == 1.0 and curve.min() >= 0
    assert 20 <= int(np.argmax(curve)) <= 38
