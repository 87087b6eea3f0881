"""train.py on long videos end to end (``data=casme_sq debug=tiny_videos``): one LOSO fold, the
test videos streamed whole, the scorer's files and its scores in metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microexp.eval.long_videos import flat_metrics
from microexp.eval.megc.formats import read_predictions, read_truth
from microexp.train.job import train
from tests.conftest import composed


@pytest.mark.parametrize("dataset", ["casme_sq"])
def test_long_video_fold_writes_the_scorers_files_and_scores(dataset: str, tmp_path: Path) -> None:
    overrides = [
        f"data={dataset}",
        "debug=tiny_videos",
        "split=loso",
        "split.fold=1",
        f"paths.root_dir={tmp_path}",
        f"paths.log_dir={tmp_path}/outputs",
        f"paths.output_dir={tmp_path}/outputs/run",
        "data.flow_backend=opencv",
    ]
    with composed(overrides) as cfg:
        assert cfg.stage.pretrained == "none" and cfg.data.frame_stride == 2
        metrics, objects = train(cfg)
    run = Path(cfg.paths.output_dir)
    saved = json.loads((run / "metrics.json").read_text())
    test_subject = saved["test_subjects"]
    assert test_subject == ["s16"] and saved["data/test_clips"] >= 1
    truth = read_truth(run / "truth.csv")
    assert {video for _, video in truth} == {
        pv.video.video for pv in objects["datamodule"].test_set.videos
    }
    assert all(dataset_name == "CASME_sq" for dataset_name, _ in truth)
    read_predictions(run / "spots.csv")  # in the scorer's format (may hold no row)
    logged = (run / "csv" / "metrics.csv").read_text().splitlines()[0].split(",")
    assert "train/frame_accuracy" not in logged  # long videos have no class to score
    assert (run / "spots.png").stat().st_size > 0
    curves = (run / "curves.csv").read_text().splitlines()
    assert curves[0] == "dataset,video,frame,intensity"
    test_steps = sum(pv.steps for pv in objects["datamodule"].test_set.videos)
    assert len(curves) - 1 == test_steps  # one row per predicted step of every test video
    scorer = flat_metrics(json.loads((run / "megc.json").read_text()))
    for key in ("test/megc/overall_f1", "test/megc/micro_tp", "test/megc/macro_fn"):
        assert saved[key] == scorer[key]  # metrics.json holds the scorer's numbers exactly
    assert saved["test/megc/overall_fn"] + saved["test/megc/overall_tp"] == sum(
        len(t) for t in truth.values()
    )


def test_samm_long_videos_compose_at_a_quarter_of_200_fps(tmp_path: Path) -> None:
    paths = [f"paths.root_dir={tmp_path}", f"paths.output_dir={tmp_path}/run"]
    with composed(["data=samm_lv", *paths]) as cfg:
        assert cfg.data.dataset == "samm_lv" and cfg.data.frame_stride == 4
        assert cfg.data.flow_lag == 24 and cfg.data.flow_lag % cfg.data.frame_stride == 0
        assert cfg.stage.pretrained == "none"
        assert cfg.model.intensity_loss == "mse" and cfg.model.intensity_balance is True
        assert cfg.data._target_.endswith("VideoDataModule")
    with composed(["data=casme2", *paths]) as cfg:  # clips keep their recipe
        assert cfg.stage.pretrained == "auto" and cfg.data.frame_stride == 4
        assert cfg.model.intensity_loss == "l1" and cfg.model.intensity_balance is False
