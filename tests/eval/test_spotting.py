"""Spotting: intervals, MEGC matching, states and clip labels on hand-worked cases."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from microexp.eval.spotting import (
    Interval,
    clip_prediction,
    intensity_states,
    interval_scores,
    match_intervals,
    smooth_curve,
    spot_intervals,
)
from microexp.states import STATES

S = {name: i for i, name in enumerate(STATES)}


# --------------------------------------------------------------------------- Interval


def test_interval_iou_counts_inclusive_frames() -> None:
    a = Interval(10, 19)
    assert a.length == 10
    assert a.iou(a) == 1.0
    assert a.iou(Interval(10, 14)) == 0.5  # 5 / 10
    assert a.iou(Interval(19, 28)) == pytest.approx(1 / 19)  # one shared frame
    assert a.iou(Interval(20, 30)) == 0.0
    assert Interval(5, 5).iou(Interval(5, 5)) == 1.0


def test_interval_validates() -> None:
    with pytest.raises(ValueError):
        Interval(10, 9)
    with pytest.raises(ValueError):
        Interval(10, 20, peak=21)


# --------------------------------------------------------------------------- intervals


def test_smooth_curve_keeps_constants_and_averages() -> None:
    np.testing.assert_allclose(smooth_curve(np.full(7, 0.3), 5), 0.3)
    np.testing.assert_allclose(smooth_curve([0, 0, 3, 0, 0], 3), [0, 1, 1, 1, 0])
    np.testing.assert_allclose(smooth_curve([1, 2, 3], 1), [1, 2, 3])
    with pytest.raises(ValueError):
        smooth_curve([1.0], 0)


def test_threshold_intervals_use_absolute_frames() -> None:
    frames = np.arange(46, 60)
    y = np.array([0, 0, 0.6, 0.8, 0.7, 0, 0, 0, 0.9, 0, 0, 0.5, 0.55, 0.5])
    out = spot_intervals(y, frames, threshold=0.5)
    assert [(iv.start, iv.end) for iv in out] == [(48, 50), (54, 54), (57, 59)]
    assert out[0].score == pytest.approx(0.8) and out[0].peak == 49
    assert out[2].peak == 58
    # min_length drops the single-frame spike.
    out = spot_intervals(y, frames, threshold=0.5, min_length=2)
    assert [(iv.start, iv.end) for iv in out] == [(48, 50), (57, 59)]


def test_smoothing_bridges_a_dip() -> None:
    frames = np.arange(100, 110)
    y = np.array([0, 0, 1, 1, 0.2, 1, 1, 0, 0, 0], dtype=float)
    assert len(spot_intervals(y, frames, threshold=0.5)) == 2
    out = spot_intervals(y, frames, threshold=0.5, smooth=3)
    assert [(iv.start, iv.end) for iv in out] == [(102, 106)]


def test_frame_numbers_are_taken_as_given() -> None:
    frames = np.array([3, 5, 7, 9, 11])
    out = spot_intervals([0, 1, 1, 0, 1], frames, threshold=0.5)
    assert [(iv.start, iv.end) for iv in out] == [(5, 7), (11, 11)]
    with pytest.raises(ValueError):
        spot_intervals([0, 1], [1, 2, 3])


def test_peak_method_threshold_is_mean_plus_p_range() -> None:
    frames = np.arange(10, 20)
    y = np.array([0, 0.1, 0.5, 1.0, 0.5, 0.1, 0, 0.3, 0.6, 0.3])
    # mean 0.34, max 1.0: p = 0.5 gives 0.67 (one peak), p = 0.3 gives 0.538 (two).
    out = spot_intervals(y, frames, method="peak", p=0.5)
    assert [(iv.start, iv.end, iv.peak) for iv in out] == [(13, 13, 13)]
    out = spot_intervals(y, frames, method="peak", p=0.3)
    assert [(iv.start, iv.end, iv.peak) for iv in out] == [(13, 13, 13), (18, 18, 18)]
    # A fixed half width around each peak, clipped to the clip.
    out = spot_intervals(y, frames, method="peak", p=0.3, half_width=2)
    assert [(iv.start, iv.end) for iv in out] == [(11, 15), (16, 19)]
    # Peaks closer than `distance` to a higher one are dropped.
    out = spot_intervals(y, frames, method="peak", p=0.3, half_width=2, distance=6)
    assert [(iv.start, iv.end) for iv in out] == [(11, 15)]
    # The `threshold` argument is ignored by the peak method.
    assert spot_intervals(y, frames, method="peak", p=0.5, threshold=0.0) == spot_intervals(
        y, frames, method="peak", p=0.5
    )


def test_peak_method_width_level_makes_each_interval_as_wide_as_its_peak() -> None:
    frames = np.arange(100, 140)
    # a tall triangle over 101..109 and a low one over 113..117; mean 0.159, max 1.0
    y = np.zeros(40)
    y[:20] = [
        0,
        0.2,
        0.4,
        0.6,
        0.8,
        1.0,
        0.8,
        0.6,
        0.4,
        0.2,
        0,
        0,
        0,
        0.15,
        0.3,
        0.45,
        0.3,
        0.15,
        0,
        0,
    ]
    # the run above the detection level (mean + 0.3 (max - mean) = 0.411) is the tip only
    out = spot_intervals(y, frames, method="peak", p=0.3)
    assert [(iv.start, iv.end) for iv in out] == [(103, 107), (115, 115)]
    # a quarter of each peak's own height above the mean: the tall peak's level is 0.369, the
    # low one's 0.232
    out = spot_intervals(y, frames, method="peak", p=0.3, width_level=0.25)
    assert [(iv.start, iv.end, iv.peak) for iv in out] == [(102, 108, 105), (114, 116, 115)]
    # 0: everything above the mean around the peak
    out = spot_intervals(y, frames, method="peak", p=0.3, width_level=0.0)
    assert [(iv.start, iv.end) for iv in out] == [(101, 109), (114, 116)]
    # a lower peak inside a higher one's run gives no second interval
    twin = np.array([0, 0.5, 1.0, 0.7, 0.8, 0.3, 0, 0, 0, 0])
    out = spot_intervals(twin, np.arange(10), method="peak", p=0.1, width_level=0.2)
    assert [(iv.start, iv.end, iv.peak) for iv in out] == [(1, 4, 2)]
    with pytest.raises(ValueError, match="width_level"):
        spot_intervals(y, frames, method="peak", width_level=1.5)


def test_peak_method_plateau_and_flat_curve() -> None:
    frames = np.arange(0, 9)
    y = np.array([0, 0.2, 0.9, 0.9, 0.9, 0.2, 0, 0, 0])
    out = spot_intervals(y, frames, method="peak", p=0.5)
    assert [(iv.start, iv.end, iv.peak) for iv in out] == [(2, 4, 2)]
    out = spot_intervals(y, frames, method="peak", p=0.5, half_width=1)
    assert [(iv.start, iv.end) for iv in out] == [(2, 4)]  # centred on the plateau's middle
    assert spot_intervals(np.zeros(9), frames, method="peak") == []
    assert spot_intervals(np.full(9, 0.7), frames, method="peak") == []


def test_no_interval_below_threshold_and_bad_method() -> None:
    assert spot_intervals(np.full(5, 0.2), np.arange(5), threshold=0.5) == []
    assert spot_intervals(np.zeros(0), np.zeros(0, dtype=int)) == []
    with pytest.raises(ValueError):
        spot_intervals(np.zeros(3), np.arange(3), method="magic")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- MEGC matching


def test_two_predictions_on_one_ground_truth() -> None:
    gt = [Interval(10, 19)]
    preds = [Interval(10, 19, score=0.9), Interval(11, 18, score=0.8)]
    m = match_intervals(preds, gt)
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)
    assert m.pairs == ((0, 0, 1.0),)
    s = interval_scores([(preds, gt)])
    assert s == {"tp": 1, "fp": 1, "fn": 0, "precision": 0.5, "recall": 1.0, "f1": 2 / 3}


def test_iou_exactly_half_is_a_true_positive() -> None:
    gt = [Interval(10, 19)]
    assert match_intervals([Interval(10, 14)], gt).tp == 1  # 5 / 10
    assert match_intervals([Interval(5, 14)], gt).tp == 0  # 5 / 15
    assert match_intervals([Interval(15, 24)], gt).tp == 0  # 5 / 15
    assert match_intervals([Interval(12, 21)], gt).tp == 1  # 8 / 12
    s = interval_scores([([Interval(14, 19)], [Interval(10, 21)])])  # 6 / 12
    assert (s["tp"], s["fp"], s["fn"], s["f1"]) == (1, 0, 0, 1.0)


def test_empty_predictions_and_no_ground_truth() -> None:
    s = interval_scores([([], [Interval(10, 19)])])
    assert s == {"tp": 0, "fp": 0, "fn": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    s = interval_scores([([Interval(10, 19)], [])])
    assert s == {"tp": 0, "fp": 1, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    s = interval_scores([([], [])])
    assert s == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert interval_scores([])["f1"] == 0.0


def test_counts_are_summed_over_videos() -> None:
    videos = [
        ([Interval(10, 19)], [Interval(10, 19)]),  # TP
        ([Interval(50, 60), Interval(80, 85)], [Interval(50, 59)]),  # TP + FP
        ([], [Interval(5, 9)]),  # FN
        ([Interval(0, 3)], []),  # FP (no ground truth in this clip)
        ([Interval(30, 31)], [Interval(30, 40)]),  # IoU 2/11: FP + FN
    ]
    s = interval_scores(videos)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 3, 2)
    assert s["precision"] == pytest.approx(2 / 5)
    assert s["recall"] == pytest.approx(2 / 4)
    assert s["f1"] == pytest.approx(2 * 2 / (2 * 2 + 3 + 2))


def test_matching_takes_the_most_pairs_then_the_highest_iou() -> None:
    gts = [Interval(0, 9), Interval(20, 29)]
    preds = [Interval(1, 9), Interval(0, 11), Interval(20, 27)]  # IoU 0.9, 10/12, 0.8
    m = match_intervals(preds, gts)
    assert (m.tp, m.fp, m.fn) == (2, 1, 0)
    assert {(i, j) for i, j, _ in m.pairs} == {(0, 0), (2, 1)}
    # A ground truth matched once stays matched; each prediction matches at most one.
    wide = [Interval(0, 29)]
    m = match_intervals(wide, [Interval(0, 14), Interval(15, 29)])
    assert (m.tp, m.fp, m.fn) == (1, 0, 1)
    # The tie: every eligible pair has IoU 0.5; a greedy pass paired [0, 9] with
    # [0, 4] and found one hit where two exist
    m = match_intervals([Interval(0, 9), Interval(-5, 4)], [Interval(0, 4), Interval(5, 9)])
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)
    assert {(i, j) for i, j, _ in m.pairs} == {(0, 1), (1, 0)}


# --------------------------------------------------------------------------- states


def test_states_follow_design_rules() -> None:
    frames = np.arange(100, 113)
    y = np.array([0, 0, 0.2, 0.5, 0.95, 1.0, 0.95, 0.6, 0.3, 0.1, 0, 0, 0])
    states = intensity_states(y, [Interval(102, 109, peak=105)], frames)
    expected = [
        "neutral", "neutral", "onset", "onset-apex", "apex", "apex", "apex",
        "apex-offset", "offset", "offset", "neutral", "neutral", "neutral",
    ]  # fmt: skip
    assert [STATES[s] for s in states] == expected


def test_state_thresholds_at_the_boundaries() -> None:
    frames = np.arange(0, 7)
    y = np.array([1 / 3, 0.9, 1.0, 0.9, 1 / 3, 0.33, 0.0])
    states = intensity_states(y, [Interval(0, 6)], frames)  # peak found: frame 2
    assert [STATES[s] for s in states] == [
        "onset-apex", "apex", "apex", "apex", "apex-offset", "offset", "offset",
    ]  # fmt: skip


def test_states_cover_every_frame() -> None:
    rng = np.random.default_rng(0)
    frames = np.arange(46, 146)
    y = np.clip(rng.normal(0.4, 0.3, frames.size), 0, 1)
    intervals = spot_intervals(y, frames, threshold=0.5, smooth=3)
    states = intensity_states(y, intervals, frames)
    assert states.shape == frames.shape and states.dtype == np.int64
    assert set(np.unique(states)) <= set(range(len(STATES)))
    inside = np.zeros(frames.size, dtype=bool)
    for iv in intervals:
        inside |= iv.contains(frames)
    assert np.all((states == S["neutral"]) == ~inside)
    # No interval: every frame neutral.
    assert np.all(intensity_states(y, [], frames) == S["neutral"])


def test_states_peak_from_curve_when_not_given() -> None:
    frames = np.arange(10, 16)
    y = np.array([0.2, 0.5, 0.7, 0.5, 0.2, 0.0])  # peak 0.7 at frame 12: never apex
    states = intensity_states(y, [Interval(10, 14)], frames)
    assert [STATES[s] for s in states] == [
        "onset", "onset-apex", "apex-offset", "apex-offset", "offset", "neutral",
    ]  # fmt: skip


# --------------------------------------------------------------------------- clip label


def test_clip_prediction_uses_the_best_interval() -> None:
    frames = np.arange(46, 52)
    probs = np.array(
        [
            [0.8, 0.1, 0.1],
            [0.8, 0.1, 0.1],
            [0.1, 0.7, 0.2],
            [0.1, 0.5, 0.4],
            [0.6, 0.2, 0.2],
            [0.1, 0.1, 0.8],
        ]
    )
    intervals = [Interval(48, 49, score=0.9), Interval(51, 51, score=0.4)]
    label, confidence, mean = clip_prediction(probs, intervals, frames)
    assert label == 1
    assert confidence == pytest.approx(0.6)
    np.testing.assert_allclose(mean, [0.1, 0.6, 0.3])


def test_clip_prediction_falls_back_to_the_whole_clip(caplog: pytest.LogCaptureFixture) -> None:
    frames = np.arange(46, 50)
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]])
    out = clip_prediction(probs, [], frames)
    assert out.label == 0 and out.confidence == pytest.approx(0.55)
    with caplog.at_level(logging.WARNING):
        out = clip_prediction(probs, [Interval(200, 210)], frames)
    assert out.label == 0 and "whole clip" in caplog.text
    with pytest.raises(ValueError):
        clip_prediction(probs[:3], [], frames)
