"""Targets: intensity ramps, the six states, pseudo motion masks."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.data.targets import (
    compensate_head_motion,
    in_interval,
    intensity_curve,
    mask_iou,
    motion_region,
    pseudo_masks,
    target_states,
)
from microexp.states import APEX, APEX_OFFSET, NEUTRAL, OFFSET, ONSET, ONSET_APEX, STATES


def test_linear_intensity() -> None:
    frames = np.arange(8, 23)  # onset 10, apex 13, offset 19
    y = intensity_curve(frames, 10, 13, 19)
    assert y[frames < 10].tolist() == [0, 0] and y[frames > 19].tolist() == [0, 0, 0]
    assert y[frames == 13][0] == 1.0
    np.testing.assert_allclose(y[(frames >= 10) & (frames <= 13)], [0, 1 / 3, 2 / 3, 1], 1e-6)
    np.testing.assert_allclose(y[(frames >= 13) & (frames <= 19)], np.linspace(1, 0, 7), 1e-6)


def test_cosine_intensity_and_edge_cases() -> None:
    frames = np.arange(0, 11)
    y = intensity_curve(frames, 0, 5, 10, kind="cosine")
    assert y[0] == 0 and y[5] == pytest.approx(1) and y[10] == pytest.approx(0)
    assert y[2] < intensity_curve(frames, 0, 5, 10)[2]  # slower start than linear
    y = intensity_curve(frames, 4, 4, 6)  # apex at onset
    assert y[4] == 1 and y[3] == 0
    with pytest.raises(ValueError, match="onset <= apex"):
        intensity_curve(frames, 5, 3, 8)
    with pytest.raises(ValueError, match="intensity kind"):
        intensity_curve(frames, 0, 5, 10, kind="square")


def test_states_follow_design_rules() -> None:
    frames = np.arange(0, 21)  # onset 2, apex 8, offset 17
    y = intensity_curve(frames, 2, 8, 17)
    s = target_states(frames, 2, 8, 17, y)
    assert len(s) == len(frames) and set(s) <= set(range(len(STATES)))
    for f, yy, st in zip(frames, y, s):
        if f < 2 or f > 17:
            assert st == NEUTRAL
        elif yy >= 0.9:
            assert st == APEX
        elif f < 8:
            assert st == (ONSET if yy < 1 / 3 else ONSET_APEX)
        else:
            assert st == (OFFSET if yy < 1 / 3 else APEX_OFFSET)
    assert list(s[:3]) == [NEUTRAL, NEUTRAL, ONSET]  # the onset frame itself (y = 0) is onset
    assert s[8] == APEX and s[17] == OFFSET and s[18] == NEUTRAL


def test_head_motion_compensation() -> None:
    rng = np.random.default_rng(0)
    flow = rng.normal(0, 0.01, (3, 2, 16, 16)).astype(np.float32)
    flow[:, 0] += 1.5
    flow[:, 1] -= 0.5
    out = compensate_head_motion(flow)
    assert np.abs(np.median(out.reshape(3, 2, -1), axis=2)).max() < 1e-6


def test_motion_region_finds_planted_motion() -> None:
    h = w = 32
    steps = np.arange(1, 13)  # later frame of each step; onset 3, apex 7, offset 11
    rng = np.random.default_rng(1)
    flow = rng.normal(0, 0.03, (12, 2, h, w)).astype(np.float32)  # noise
    flow[:, 0] += 0.3  # head drift everywhere
    truth = np.zeros((h, w), bool)
    truth[20:26, 6:14] = True
    for i, f in enumerate(steps):
        if 3 < f <= 7:
            flow[i, 1][truth] -= 0.08  # rising: region moves up a little each step
        elif 7 < f <= 11:
            flow[i, 1][truth] += 0.08
    region = motion_region(flow, steps, 3, 7, 11, quantile=1 - truth.mean(), blur=0)
    assert mask_iou(region, truth) > 0.8
    masks = pseudo_masks(region, np.arange(0, 14), 3, 11)
    assert masks.shape == (14, 1, h, w) and masks.dtype == np.uint8
    assert masks[:3].sum() == 0 and masks[12:].sum() == 0
    assert (masks[5, 0] == region).all()


def test_motion_region_without_interval_steps_is_empty() -> None:
    flow = np.ones((4, 2, 8, 8), np.float32)
    assert not motion_region(flow, np.arange(1, 5), 10, 12, 14).any()
    assert in_interval([1, 2, 3], 2, 3).tolist() == [False, True, True]
    assert mask_iou(np.zeros((2, 2)), np.zeros((2, 2))) == 1.0
