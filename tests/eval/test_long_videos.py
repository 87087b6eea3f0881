"""Long-video spotting: intervals typed by the video's frame rate, the scorer's files written
and read back by ``python -m microexp.eval.megc``, folds pooled by summing counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from microexp.data.records import Expression, Video
from microexp.eval.long_videos import (
    VideoSpotting,
    flat_metrics,
    main,
    pool_folds,
    truth_of,
    write_fold,
)
from microexp.eval.megc.cli import main as megc_main
from microexp.eval.megc.records import PredInterval


def _video(name: str, expressions: list[Expression], fps: float = 30.0) -> Video:
    return Video("casme_sq", "s15", name, [], [], fps, expressions)


def test_threshold_runs_typed_by_length_at_the_videos_fps() -> None:
    numbers = np.arange(100, 200)
    curve = np.zeros(100)
    curve[10:22] = 1.0  # 12 frames: 0.4 s at 30 fps (micro), 0.06 s at 200 fps
    curve[50:70] = 1.0  # 20 frames: 0.67 s at 30 fps (macro)
    rule = VideoSpotting(method="threshold", threshold=0.5, smooth_s=0.0, min_length_s=0.0)
    found = rule.intervals(curve, numbers, fps=30.0, stride=1)
    assert [(p.start, p.end, p.kind) for p in found] == [(110, 121, "micro"), (150, 169, "macro")]
    at_200 = rule.intervals(curve, numbers, fps=200.0, stride=1)
    assert [p.kind for p in at_200] == ["micro", "micro"]


def test_peak_rule_gives_fixed_half_width_around_peaks_above_the_level() -> None:
    curve = np.zeros(200)
    curve[40], curve[120], curve[160] = 1.0, 0.9, 0.1  # the last is below mean + 0.5 (max - mean)
    rule = VideoSpotting(
        method="peak", p=0.5, half_width_s=0.1, distance_s=0.1, smooth_s=0.0, min_length_s=0.0
    )
    found = rule.intervals(curve, np.arange(200), fps=30.0, stride=1)  # half width 3 frames
    assert [(p.start, p.end) for p in found] == [(37, 43), (117, 123)]
    assert all(p.kind == "micro" for p in found)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold or peak"):
        VideoSpotting(method="argmax")


def test_fold_files_score_as_the_cli_scores_them(tmp_path: Path) -> None:
    videos = [
        _video("15_0101", [Expression(10, 14, 20, "micro"), Expression(100, 150, 200, "macro")]),
        _video("15_0508", []),  # no truth: its predictions are false positives
    ]
    preds = {
        ("CASME_sq", "15_0101"): [PredInterval(10, 21, 0.9, "micro")],
        ("CASME_sq", "15_0508"): [PredInterval(5, 9, 0.5, "micro")],
    }
    metrics = write_fold(tmp_path, truth_of(videos), preds, {"CASME_sq": 30.0})
    assert metrics["test/megc/micro_tp"] == 1 and metrics["test/megc/micro_fp"] == 1
    assert metrics["test/megc/macro_fn"] == 1 and metrics["test/megc/macro_tp"] == 0
    assert metrics["test/megc/macro_precision"] is None
    assert metrics["test/megc/macro_precision_why"] == "no predictions"
    assert metrics["test/megc/overall_f1"] == pytest.approx(
        2 * 1 / (2 + 2)
    )  # 2 predictions, 2 truths
    out = tmp_path / "cli.json"
    truth, spots = str(tmp_path / "truth.csv"), str(tmp_path / "spots.csv")
    assert megc_main(["spot", "--truth", truth, "--pred", spots, "--out", str(out)]) == 0
    assert flat_metrics(json.loads(out.read_text())) == metrics


def test_pooled_folds_sum_the_counts(tmp_path: Path) -> None:
    fps = {"CASME_sq": 30.0}
    a = [_video("15_0101", [Expression(10, 14, 20, "micro")])]
    b = [_video("16_0101", [Expression(10, 14, 20, "micro")])]
    hit = [PredInterval(10, 20, 1.0, "micro")]
    write_fold(tmp_path / "a", truth_of(a), {("CASME_sq", "15_0101"): hit}, fps)
    write_fold(tmp_path / "b", truth_of(b), {}, fps)
    pooled = flat_metrics(pool_folds([tmp_path / "a", tmp_path / "b"], fps))
    assert (pooled["test/megc/micro_tp"], pooled["test/megc/micro_fn"]) == (1, 1)
    assert pooled["test/megc/overall_f1"] == pytest.approx(2 / 3)
    out = tmp_path / "pooled.json"
    assert main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]) == 0
    assert flat_metrics(json.loads(out.read_text())) == pooled
    assert main([str(tmp_path / "missing")]) == 2


def test_video_test_writes_once_and_every_rank_gets_the_same_scores(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from microexp.tasks.video_test import VideoTest

    video = _video("15_0101", [Expression(20, 25, 30, "micro")])
    numbers = np.arange(1, 61)
    curve = np.where((numbers >= 20) & (numbers <= 30), 1.0, 0.0)
    datamodule = SimpleNamespace(
        test_set=SimpleNamespace(videos=[SimpleNamespace(video=video)]),
        spotting=VideoSpotting(method="threshold", threshold=0.5, smooth_s=0.0),
        frame_stride=1,
    )
    tests = []
    for _ in range(2):
        hook = VideoTest()
        hook.curves = {0: [(numbers[:30], curve[:30]), (numbers[30:], curve[30:])]}
        tests.append(hook)
    other = tests[1].finish(datamodule, tmp_path / "rank1", write=False)
    assert not (tmp_path / "rank1").exists()  # only the writing rank writes
    written = tests[0].finish(datamodule, tmp_path / "rank0")
    assert written == other and written["test/megc/micro_tp"] == 1
    rows = (tmp_path / "rank0" / "curves.csv").read_text().splitlines()
    assert rows[0] == "dataset,video,frame,intensity" and len(rows) == 61
    assert rows[20] == "CASME_sq,15_0101,20,1"
    assert tests[0].figure == tmp_path / "rank0" / "spots.png" and tests[0].figure.stat().st_size
    assert tests[1].figure is None
