"""Interval matching on hand-worked cases: maximum one-to-one, IoU >= 0.5 on inclusive frames."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from microexp.eval.megc.matching import match_intervals


def test_greedy_tie_case_finds_both_truths() -> None:
    # Eligible pairs (every IoU is exactly 0.5): [0,9]-[0,4] 5/10, [0,9]-[5,9] 5/10,
    # [-5,4]-[0,4] 5/10; [-5,4]-[5,9] share nothing. A greedy pass on the tie takes [0,9]-[0,4]
    # first and leaves [-5,4] nothing; the maximum matching pairs [0,9]-[5,9] and [-5,4]-[0,4].
    m = match_intervals([(0, 9), (-5, 4)], [(0, 4), (5, 9)])
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)
    assert sorted(m.pairs) == [(0, 1, 0.5), (1, 0, 0.5)]


def test_prediction_covering_two_truths_counts_once() -> None:
    # [0,19] has IoU 10/20 = 0.5 with each truth, but finds only one of them.
    m = match_intervals([(0, 19)], [(0, 9), (10, 19)])
    assert (m.tp, m.fp, m.fn) == (1, 0, 1)


def test_two_predictions_on_one_truth_are_one_tp_and_one_fp() -> None:
    m = match_intervals([(0, 9), (1, 9)], [(0, 9)])
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)
    assert m.pairs == ((0, 0, 1.0),)  # of two maximum matchings, the one with the larger IoU


def test_iou_of_exactly_one_half_counts_and_049_does_not() -> None:
    assert match_intervals([(0, 49)], [(0, 99)]).tp == 1  # 50 / 100
    assert match_intervals([(0, 48)], [(0, 99)]).tp == 0  # 49 / 100
    assert match_intervals([(0, 99)], [(0, 49)]).tp == 1  # symmetric
    assert match_intervals([(0, 149)], [(50, 99)]).tp == 0  # 50 / 150


def test_frames_are_counted_inclusively() -> None:
    assert match_intervals([(5, 5)], [(5, 5)]).pairs == ((0, 0, 1.0),)  # one frame matches itself
    assert match_intervals([(5, 6)], [(5, 5)]).tp == 1  # 1 / 2 (exclusive lengths: 0 / 1)
    assert match_intervals([(6, 6)], [(5, 5)]).tp == 0  # adjacent, no shared frame
    assert match_intervals([(10, 19)], [(19, 28)]).tp == 0  # one shared frame of 19


def test_empty_sides() -> None:
    m = match_intervals([], [(0, 9), (20, 29)])
    assert (m.tp, m.fp, m.fn, m.pairs) == (0, 0, 2, ())
    m = match_intervals([(0, 9)], [])
    assert (m.tp, m.fp, m.fn) == (0, 1, 0)


def test_threshold_is_a_parameter() -> None:
    assert match_intervals([(0, 29)], [(0, 99)], iou_threshold=0.3).tp == 1
    assert match_intervals([(0, 29)], [(0, 99)]).tp == 0


def _brute_force(preds: list[tuple[int, int]], truths: list[tuple[int, int]]) -> int:
    def ok(p: tuple[int, int], t: tuple[int, int]) -> bool:
        inter = max(0, min(p[1], t[1]) - max(p[0], t[0]) + 1)
        union = (p[1] - p[0] + 1) + (t[1] - t[0] + 1) - inter
        return inter > 0 and 2 * inter >= union

    small, large = sorted((preds, truths), key=len)
    pairs = (zip(small, chosen) for chosen in itertools.permutations(large, len(small)))
    return max(sum(ok(a, b) for a, b in p) for p in pairs)  # IoU is symmetric


_interval = st.tuples(st.integers(0, 30), st.integers(0, 12)).map(lambda a: (a[0], a[0] + a[1]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_interval, max_size=5), st.lists(_interval, max_size=5))
def test_matching_is_maximum_and_one_to_one(preds: list, truths: list) -> None:
    m = match_intervals(preds, truths)
    assert m.tp == _brute_force(preds, truths)
    assert len({i for i, _, _ in m.pairs}) == len({j for _, j, _ in m.pairs}) == m.tp
    for i, j, iou in m.pairs:
        assert iou >= 0.5
        assert np.isclose(iou, match_intervals([preds[i]], [truths[j]]).pairs[0][2])
