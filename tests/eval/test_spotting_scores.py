"""Scores that mean something on clips cut at their onset and offset: the gates and their
reasons, apex spotting and phase AUC, the reference rows, and no free score for a constant
predictor. Every expected number is worked out by hand from the records below."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from microexp.eval.apex import APEX_HIT_FRACTION, peak_frame, predicted_apex
from microexp.eval.gates import MIN_OUTSIDE_FRACTION
from microexp.eval.record_scores import SCORE_KEYS, record_scores, scores_from_records
from microexp.eval.records import ClipRecord, make_record

C = 3


def _clip(
    frames: np.ndarray,
    intensity: np.ndarray,
    *,
    onset: int,
    apex: int,
    offset: int,
    first_frame: int | None = None,
    flow_apex: int | None = None,
    smooth: int = 1,
    label: int = 0,
) -> ClipRecord:
    frames = np.asarray(frames)
    target = np.interp(frames, [onset, apex, offset], [0.0, 1.0, 0.0], left=0, right=0)
    probs = np.tile(np.eye(C)[label] * 0.8 + 0.2 / C, (frames.size, 1))
    return make_record(
        subject="sub01",
        episode=f"EP{onset}",
        label=label,
        onset=onset,
        apex=apex,
        offset=offset,
        frame_numbers=frames,
        intensity=np.asarray(intensity, np.float64),
        target=target,
        probs=probs,
        spot={"method": "threshold", "threshold": 0.5, "smooth": smooth, "min_length": 1},
        first_frame=first_frame,
        flow_apex=flow_apex,
    )


def _onset_clips(intensity: str | float) -> list[ClipRecord]:
    """Three clips that start at their onset and end at their offset (every predicted frame
    inside); ``intensity``: ``"truth"`` (the target plus a little noise) or a constant."""
    rng = np.random.default_rng(0)
    clips = []
    for first, n, apex in ((10, 12, 14), (100, 20, 104), (300, 9, 306)):
        frames = np.arange(first + 1, first + n)
        target = np.interp(frames, [first, apex, frames[-1]], [0.0, 1.0, 0.0])
        if intensity == "truth":
            y = np.clip(target + rng.normal(0, 0.05, frames.size), 0, 1)
        else:
            y = np.full(frames.size, float(intensity))
        clips.append(
            _clip(frames, y, onset=first, apex=apex, offset=int(frames[-1]), first_frame=first)
        )
    return clips


def _strict(value: object) -> object:
    """``value`` through JSON and back, refusing NaN and infinities."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(json.dumps(value), parse_constant=refuse)


# --------------------------------------------------------------------------- the gates


def test_onset_clips_have_null_auc_and_f1_with_reasons_and_real_apex_metrics() -> None:
    scores = record_scores(_onset_clips("truth"), C)
    assert scores["outside_fraction"] == 0.0
    assert scores["auc"] is None and scores["spot_f1"] is None
    assert scores["spot_precision"] is None and scores["spot_recall"] is None
    assert scores["auc_why"] == (
        "only 0% of the 38 test frames lie outside the annotated intervals (clips cut at their "
        "onset and offset have none): inside/outside frame AUC needs >= 20%"
    )
    assert "interval F1 needs >= 20%" in scores["spot_f1_why"]
    # the apex and the phase are there to be found: the near-perfect predictor finds them
    assert scores["phase_auc"] > 0.95 and scores["phase_auc_why"] is None
    assert scores["apex_mae"] <= 1.0 and scores["apex_hit"] == 1.0 and scores["apex_why"] is None
    assert scores["ref_whole/spot_f1"] is None and scores["ref_whole/spot_f1_why"]
    assert _strict(scores_from_records(_onset_clips("truth"), C)) == scores_from_records(
        _onset_clips("truth"), C
    )


@pytest.mark.parametrize("value", [1.0, 0.5, 0.1])
def test_a_constant_predictor_gets_no_free_score(value: float) -> None:
    records = _onset_clips(value)
    scores = record_scores(records, C)
    # everything is "expression": the whole clip is one interval, and would match every truth
    assert all(len(r.intervals) == 1 for r in records) or value < 0.5
    assert scores["spot_f1"] is None and scores["auc"] is None
    assert scores["phase_auc"] == 0.5
    # a flat curve peaks at the middle frame: no better than the centre-frame reference
    for key in ("apex_mae", "apex_nmae", "apex_hit"):
        assert scores[key] == scores[f"ref_centre/{key}"], key
    assert [r.pred_apex for r in records] == [r.ref_centre_apex for r in records]


def test_a_constant_predictor_on_clips_with_margins() -> None:
    # 10 predicted frames, 6 inside: 40% outside, the gate is open
    records = [
        _clip(np.arange(20, 30), np.ones(10), onset=22, apex=24, offset=27),
        _clip(np.arange(50, 60), np.ones(10), onset=51, apex=55, offset=56),
    ]
    scores = record_scores(records, C)
    assert scores["outside_fraction"] == pytest.approx(0.4)
    assert scores["auc"] == 0.5 and scores["auc_why"] is None and scores["phase_auc"] == 0.5
    # the whole-clip reference is exactly what the constant predictor scores, shown beside it
    assert scores["spot_f1"] == scores["ref_whole/spot_f1"] == 1.0
    assert scores["apex_mae"] == scores["ref_centre/apex_mae"]


def test_the_gate_is_at_its_named_fraction() -> None:
    # 5 predicted frames per clip, 4 clips: 20 frames, as many outside as the gate asks for
    outside = round(MIN_OUTSIDE_FRACTION * 20)
    frames = np.arange(10, 15)
    records = [
        _clip(frames, [0.1, 0.9, 0.7, 0.8, 0.2], onset=10 + (k < outside), apex=12, offset=14)
        for k in range(4)
    ]
    assert record_scores(records, C)["outside_fraction"] == pytest.approx(outside / 20)
    assert record_scores(records, C)["auc"] is not None
    records[0] = _clip(frames, [0.1, 0.9, 0.7, 0.8, 0.2], onset=10, apex=12, offset=14)
    assert record_scores(records, C)["auc"] is None


# --------------------------------------------------------------------------- apex spotting


def test_apex_metrics_hand_worked_on_three_clips() -> None:
    records = [
        # 10 frames (10..19), predicted peak 15, true apex 13: error 2 > 10% of 10
        _clip(np.arange(10, 20), np.eye(10)[5], onset=10, apex=13, offset=19),
        # predicted frames 101..120 of a clip starting at 100 (21 frames): error 0
        _clip(
            np.arange(101, 121), np.eye(20)[9], onset=100, apex=110, offset=120, first_frame=100
        ),
        # every other frame, 2..18, of a clip from 0 (19 frames): peak 8, apex 9, error 1 <= 1.9
        _clip(np.arange(2, 20, 2), np.eye(9)[3], onset=0, apex=9, offset=18, first_frame=0),
    ]
    assert [r.pred_apex for r in records] == [15, 110, 8]
    assert [r.length for r in records] == [10, 21, 19]
    scores = record_scores(records, C)
    assert scores["apex_mae"] == pytest.approx((2 + 0 + 1) / 3, abs=1e-15)
    assert scores["apex_nmae"] == pytest.approx((2 / 10 + 0 + 1 / 19) / 3, abs=1e-15)
    assert scores["apex_hit"] == pytest.approx(2 / 3, abs=1e-15)
    # centre frames 14, 110, 10: errors 1 (= 10% of 10: a hit), 0 and 1
    assert [r.ref_centre_apex for r in records] == [14, 110, 10]
    assert scores["ref_centre/apex_mae"] == pytest.approx(2 / 3, abs=1e-15)
    assert scores["ref_centre/apex_nmae"] == pytest.approx((1 / 10 + 1 / 19) / 3, abs=1e-15)
    assert scores["ref_centre/apex_hit"] == 1.0
    assert APEX_HIT_FRACTION == 0.1
    # no flow reference in these records: null, with the reason
    assert scores["ref_flow/apex_mae"] is None and "flow" in scores["ref_flow/apex_why"]


def test_predicted_apex_uses_the_spotting_smoothing() -> None:
    y = np.array([0, 0, 1, 0, 0.6, 0.6, 0.6, 0, 0, 0])
    frames = np.arange(40, 50)
    assert predicted_apex(y, frames, 1) == 42  # the raw spike
    assert predicted_apex(y, frames, 3) == 45  # the smoothed bump
    record = _clip(frames, y, onset=40, apex=45, offset=49, smooth=3)
    assert record.pred_apex == 45


def test_peak_frame_ties_and_missing_values() -> None:
    frames = np.arange(7)
    assert peak_frame(np.full(7, 0.3), frames) == 3
    assert peak_frame([0, 2, 2, 2, 0, 2, 0], frames) == 2  # the middle of the first flat top
    assert peak_frame(np.zeros(0), np.zeros(0)) is None
    assert peak_frame([0, math.nan, 1, 0, 0, 0, 0], frames) is None


# --------------------------------------------------------------------------- references


def test_flow_and_whole_references_hand_worked() -> None:
    frames = np.arange(1, 9)  # a clip 0..8 cut at onset and offset, apex 5
    records = [
        _clip(frames, np.eye(8)[4], onset=0, apex=5, offset=8, first_frame=0, flow_apex=6),
        _clip(frames, np.eye(8)[2], onset=0, apex=2, offset=8, first_frame=0, flow_apex=2),
    ]
    scores = record_scores(records, C)
    # errors 1 and 0 over clips of 9 frames: 1 is more than 10% of 9, a miss
    assert scores["ref_flow/apex_mae"] == 0.5 and scores["ref_flow/apex_hit"] == 0.5
    assert scores["ref_flow/apex_nmae"] == pytest.approx(1 / 9 / 2, abs=1e-15)
    # the whole clip as the interval, constant intensity: no frame outside, so F1 is null;
    # phase AUC of a constant is 0.5
    assert scores["ref_whole/spot_f1"] is None and scores["ref_whole/phase_auc"] == 0.5


def test_recognition_only_runs_still_have_references() -> None:
    records = _onset_clips("truth")
    scores = record_scores(records, C, spotting=False)
    assert scores["apex_mae"] is None and scores["apex_why"].startswith("the method predicts no")
    assert scores["phase_auc"] is None and scores["auc_why"] == scores["phase_auc_why"]
    assert scores["ref_centre/apex_mae"] is not None
    assert set(scores_from_records(records, C, spotting=False)) == set(SCORE_KEYS)
    _strict(scores)
