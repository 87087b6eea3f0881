"""LBP and HOOF spotting on long videos: features per chain frame, k and p from the training
videos only, the fold's files scored by the MEGC scorer, folds pooled."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from microexp.baselines.long_videos import P_GRID, half_interval, main, video_features
from microexp.data.records import Expression
from microexp.eval.long_videos import flat_metrics
from tests.long_video_store import CHEAP_FLOW, tiny_store


def _video(*expressions: Expression) -> SimpleNamespace:
    return SimpleNamespace(video=SimpleNamespace(expressions=list(expressions)))


def test_half_interval_is_half_the_mean_training_length_in_steps() -> None:
    videos = [_video(Expression(0, 5, 10, "micro"), Expression(0, 20, 60, "macro")),
              _video(Expression(0, 5, 14, "micro"))]  # fmt: skip
    assert half_interval(videos, "micro", stride=1) == 6  # mean length 13 -> (13 - 1) / 2
    assert half_interval(videos, "micro", stride=2) == 3
    assert half_interval(videos, "macro", stride=1) == 30
    assert half_interval([_video()], "micro", stride=1) is None


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    return tiny_store(tmp_path_factory.mktemp("long_baselines"))


def test_features_per_chain_frame(store) -> None:
    pv = store.prepare().videos[0]
    assert video_features(pv, "lbp").shape == (pv.steps + 1, 36, 59)
    assert video_features(pv, "hoof").shape == (pv.steps + 1, 36, 8)


def test_every_fold_is_written_and_scored_then_pooled(store, tmp_path: Path) -> None:
    flow = json.dumps(CHEAP_FLOW)
    args = [
        "--root", str(store.root), "--cache-dir", str(store.cache_dir), "--size", "32",
        "--flow-size", "32", "--frame-stride", "2", "--flow-lag", "4", "--chunk", "16",
        "--flow-backend", "opencv", "--flow-params", flow, "--out", str(tmp_path), "--quiet",
    ]  # fmt: skip
    assert main(args) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["folds"] == [0, 1]
    for method in ("lbp", "hoof"):
        pooled = json.loads((tmp_path / method / "megc.json").read_text())
        assert flat_metrics(pooled, prefix="") == summary["methods"][method]["pooled"]
        truths = 0
        for fold in (0, 1):
            saved = json.loads(
                (tmp_path / method / f"fold_{fold:02d}" / "metrics.json").read_text()
            )
            assert saved["chosen/p_macro"] in P_GRID and saved["chosen/k_macro"] >= 1
            truths += saved["test/megc/overall_tp"] + saved["test/megc/overall_fn"]
        assert truths == pooled["CASME_sq"]["overall"]["n_truth"] > 0
