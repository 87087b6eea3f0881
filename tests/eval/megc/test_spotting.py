"""Spotting counts on hand-worked cases: every counting rule, and where public scripts differ."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microexp.eval.megc.records import MegcInputError, PredInterval, TruthInterval
from microexp.eval.megc.spotting import Counts, score_spotting, write_log

CAS = "CASME_sq"


def micro(onset: int, offset: int) -> TruthInterval:
    return TruthInterval("micro", onset, None, offset)


def macro(onset: int, offset: int) -> TruthInterval:
    return TruthInterval("macro", onset, None, offset)


def pred(
    start: int, end: int, kind: str | None = "micro", line: int | None = None
) -> PredInterval:
    return PredInterval(start, end, 0.5, kind, line=line)


def counts(scores: dict, dataset: str = CAS, kind: str = "micro") -> tuple[int, int, int]:
    s = scores[dataset][kind]
    return s["tp"], s["fp"], s["fn"]


def test_counts_are_summed_over_videos() -> None:
    truth = {(CAS, "a"): [micro(0, 9), micro(20, 29)], (CAS, "b"): [micro(0, 9)]}
    preds = {(CAS, "a"): [pred(0, 9), pred(50, 59)], (CAS, "b"): [pred(2, 9)]}
    s = score_spotting(truth, preds).to_json()
    assert counts(s) == (2, 1, 1)
    assert s[CAS]["micro"]["n_pred"] == 3 and s[CAS]["micro"]["n_truth"] == 3


def test_prediction_covering_two_truths_counts_once() -> None:
    # MEGC 2020 baseline's script counts both truths as found by [0, 19].
    s = score_spotting({(CAS, "a"): [micro(0, 9), micro(10, 19)]}, {(CAS, "a"): [pred(0, 19)]})
    assert counts(s.to_json()) == (1, 0, 1)


def test_two_predictions_on_one_truth_are_one_tp_and_one_fp() -> None:
    s = score_spotting({(CAS, "a"): [micro(0, 9)]}, {(CAS, "a"): [pred(0, 9), pred(1, 9)]})
    assert counts(s.to_json()) == (1, 1, 0)


def test_greedy_tie_case_counts_two_hits() -> None:
    truth = {(CAS, "a"): [micro(0, 4), micro(5, 9)]}
    s = score_spotting(truth, {(CAS, "a"): [pred(0, 9), pred(-5, 4)]})
    assert counts(s.to_json()) == (2, 0, 0)


def test_video_with_predictions_and_no_truth_counts_fp() -> None:
    # Listed in the truth file with no expression (SoftNet scores only videos with a truth).
    truth = {(CAS, "a"): [micro(0, 9)], (CAS, "empty"): []}
    preds = {(CAS, "a"): [pred(0, 9)], (CAS, "empty"): [pred(0, 9), pred(30, 39)]}
    assert counts(score_spotting(truth, preds).to_json()) == (1, 2, 0)


def test_video_with_truths_and_no_predictions_counts_fn() -> None:
    # The MEGC 2020 baseline's script skips a video without a prediction file and its truths.
    truth = {(CAS, "a"): [micro(0, 9)], (CAS, "quiet"): [micro(0, 9), micro(20, 29)]}
    assert counts(score_spotting(truth, {(CAS, "a"): [pred(0, 9)]}).to_json()) == (1, 0, 2)


def test_iou_of_one_half_counts_and_049_does_not() -> None:
    truth = {(CAS, "a"): [macro(0, 99)], (CAS, "b"): [macro(0, 99)]}
    preds = {(CAS, "a"): [pred(0, 49, "macro")], (CAS, "b"): [pred(0, 48, "macro")]}
    assert counts(score_spotting(truth, preds).to_json(), kind="macro") == (1, 1, 1)


def test_one_frame_interval_matches_itself() -> None:
    s = score_spotting({(CAS, "a"): [micro(7, 7)]}, {(CAS, "a"): [pred(7, 7)]})
    assert counts(s.to_json()) == (1, 0, 0)


def test_types_are_matched_separately() -> None:
    # A micro truth is not found by a macro prediction on the very same frames.
    s = score_spotting({(CAS, "a"): [micro(0, 9)]}, {(CAS, "a"): [pred(0, 9, "macro")]}).to_json()
    assert counts(s, kind="micro") == (0, 0, 1)
    assert counts(s, kind="macro") == (0, 1, 0)
    assert counts(s, kind="overall") == (0, 1, 1)


def test_untyped_prediction_is_typed_by_length_at_the_dataset_fps() -> None:
    # CASME_sq 30 fps: 15 frames = 0.5 s is micro, 16 is macro. SAMM 200 fps: 100 / 101.
    truth = {(CAS, "a"): [], ("SAMM", "006_1"): []}
    preds = {
        (CAS, "a"): [pred(0, 14, None), pred(100, 115, None)],
        ("SAMM", "006_1"): [pred(0, 99, None), pred(200, 300, None), pred(400, 409, "macro")],
    }
    s = score_spotting(truth, preds).to_json()
    assert s[CAS]["micro"]["n_pred"] == 1 and s[CAS]["macro"]["n_pred"] == 1
    assert s["SAMM"]["micro"]["n_pred"] == 1 and s["SAMM"]["macro"]["n_pred"] == 2
    s = score_spotting(truth, preds, fps={CAS: 60.0, "SAMM": 200.0}).to_json()
    assert s[CAS]["micro"]["n_pred"] == 2


def test_untyped_prediction_of_a_dataset_without_fps_is_an_error() -> None:
    with pytest.raises(MegcInputError, match=r"line 7: no frame rate for dataset 'X'.*--fps X="):
        score_spotting({("X", "v"): []}, {("X", "v"): [pred(0, 9, None, line=7)]})
    score_spotting({("X", "v"): []}, {("X", "v"): [pred(0, 9, "micro")]})  # typed: no fps needed


def test_overall_is_computed_from_summed_counts() -> None:
    truth = {(CAS, "a"): [micro(0, 9), macro(100, 199), macro(300, 399), macro(500, 599)]}
    preds = {(CAS, "a"): [pred(0, 9), pred(20, 29), pred(100, 199, "macro")]}
    s = score_spotting(truth, preds).to_json()[CAS]
    assert (s["micro"]["f1"], s["macro"]["f1"]) == (pytest.approx(2 / 3), pytest.approx(0.5))
    o = s["overall"]
    assert (o["tp"], o["fp"], o["fn"], o["n_pred"], o["n_truth"]) == (2, 1, 2, 3, 4)
    assert o["precision"] == pytest.approx(2 / 3) and o["recall"] == pytest.approx(0.5)
    assert o["f1"] == pytest.approx(4 / 7)  # not the mean of the two F1s (7/12)


def test_undefined_rates_are_null_with_a_reason() -> None:
    assert Counts(0, 0, 0).to_json() == {
        "tp": 0, "fp": 0, "fn": 0, "n_pred": 0, "n_truth": 0,
        "precision": None, "recall": None, "f1": None,
        "precision_reason": "no predictions",
        "recall_reason": "no truth intervals",
        "f1_reason": "no truth intervals and no predictions",
    }  # fmt: skip
    no_pred = Counts(0, 0, 3).to_json()
    assert (no_pred["precision"], no_pred["recall"], no_pred["f1"]) == (None, 0.0, 0.0)
    assert set(no_pred) - set(Counts(1, 1, 1).to_json()) == {"precision_reason"}
    no_truth = Counts(0, 2, 0).to_json()
    assert (no_truth["precision"], no_truth["recall"], no_truth["f1"]) == (0.0, None, 0.0)
    assert no_truth["recall_reason"] == "no truth intervals"


def test_prediction_for_an_unlisted_video_is_an_error_naming_its_line() -> None:
    truth = {(CAS, "15_0101"): [micro(0, 9)]}
    preds = {(CAS, "15_0101"): [pred(0, 9)], (CAS, "15_0102"): [pred(0, 9, line=3)]}
    with pytest.raises(MegcInputError, match=r"line 3: video '15_0102' of CASME_sq is not in"):
        score_spotting(truth, preds)
    preds = {("casme_sq", "15_0101"): [pred(0, 9, line=4)], ("casme_sq", "2"): [pred(0, 9)]}
    with pytest.raises(
        MegcInputError,
        match=r"line 4: dataset 'casme_sq' is not in the truth file \(its datasets: CASME_sq\) "
        r"\(1 more unlisted video\)",
    ):
        score_spotting(truth, preds)


def test_unlisted_videos_counted_as_fp_on_request_with_a_note() -> None:
    truth = {(CAS, "15_0101"): [micro(0, 9)]}
    preds = {(CAS, "15_0101"): [pred(0, 9)], (CAS, "15_0102"): [pred(0, 9), pred(20, 29)]}
    s = score_spotting(truth, preds, count_unlisted=True).to_json()
    assert counts(s) == (1, 2, 0)
    assert s[CAS]["notes"] == [
        "2 predictions in 1 videos not in the truth file (15_0102) counted as false positives"
    ]


def test_datasets_are_scored_apart_in_truth_file_order() -> None:
    truth = {("SAMM", "006_1"): [macro(0, 199)], (CAS, "a"): [micro(0, 9)]}
    s = score_spotting(truth, {(CAS, "a"): [pred(0, 9)]}).to_json()
    assert list(s) == ["SAMM", CAS]
    assert list(s[CAS]) == ["micro", "macro", "overall"]
    assert counts(s, "SAMM", "macro") == (0, 0, 1)
    assert counts(s, CAS, "overall") == (1, 0, 0)


def test_log_lists_every_tp_fp_and_fn(tmp_path: Path) -> None:
    truth = {(CAS, "a"): [micro(20, 29), micro(0, 4), micro(5, 9)]}
    preds = {(CAS, "a"): [pred(0, 9), pred(-5, 4), pred(40, 45)]}
    path = tmp_path / "log.csv"
    write_log(path, score_spotting(truth, preds).matches)
    rows = list(csv.DictReader(path.open()))
    got = [(r["type"], r["onset"], r["offset"], r["start"], r["end"], r["result"]) for r in rows]
    assert got == [
        ("micro", "0", "4", "-5", "4", "TP"),
        ("micro", "5", "9", "0", "9", "TP"),
        ("micro", "20", "29", "", "", "FN"),
        ("micro", "", "", "40", "45", "FP"),
    ]
    assert rows[0]["iou"] == "0.5000"
