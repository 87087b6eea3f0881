"""``trainer=ddp_cpu`` end to end (slow): a tiny joint training in 2 gloo processes, through
``train.py`` as a user runs it. The ranks share out the epoch's training draws, every test clip
is evaluated once, the gathered scores equal a single-process test of the same checkpoint, and
only rank 0 writes the run's files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from microexp.data.windows import EpochSampler
from tests.conftest import ROOT, tiny_overrides

WRITTEN = {"write_predictions", "write_frames", "write_plots", "write_metrics"}


def _train(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "train.py", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]


def _test_scores(run: Path) -> dict:
    saved = json.loads((run / "metrics.json").read_text())
    return {k: v for k, v in saved.items() if k.startswith("test/")}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-6, abs=1e-6)
    return a == b


@pytest.mark.slow
def test_ddp_cpu_joint_run(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> None:
    common = [
        o for o in tiny_overrides(tiny_dataset, cache_dir, tmp_path) if "output_dir" not in o
    ] + ["stage=joint", "stage.pretrained=none", "data.flow_backend=opencv"]
    run, probe = tmp_path / "ddp", tmp_path / "probe"
    _train(
        [
            *common,
            "trainer=ddp_cpu",
            f"hydra.run.dir={run}",
            "+callbacks.probe._target_=tests.train.ddp_probe.DDPProbe",
            f"+callbacks.probe.out={probe}",
        ]
    )
    ranks = [json.loads((probe / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2]
    first = ranks[0]

    # training: the ranks' draws interleaved are the single-process epoch (class-balanced),
    # so no draw is served by both ranks and none is lost; each rank served its own draws
    whole = list(EpochSampler(first["items"], first["seed"], labels=first["labels"]))
    draws = [r["draws"] for r in ranks]
    assert len(draws[0]) == len(draws[1]) == len(whole) // 2 > 0
    assert [k for pair in zip(*draws) for k in pair] == whole
    clips = first["train_clips"]
    for r in ranks:
        assert (
            r["train"]
            and r["train"] == [clips[k % len(clips)] for k in r["draws"]][: len(r["train"])]
        )

    # test: every clip on exactly one rank, in blocks that keep the dataset's order
    tested = ranks[0]["test"] + ranks[1]["test"]
    assert ranks[0]["test"] and ranks[1]["test"]
    assert tested == first["test_clips"] and len(tested) == 5
    predictions = pd.read_csv(run / "predictions.csv")
    assert predictions[["subject", "episode"]].values.tolist() == tested

    # files: written by rank 0 only
    assert set((probe / "writes_rank0.txt").read_text().split()) == WRITTEN
    assert not (probe / "writes_rank1.txt").exists()
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["data/test_clips"] == 5 and saved["test/accuracy"] is not None
    assert sorted(p.name for p in (run / "checkpoints").glob("*.ckpt")) == [
        "epoch_000.ckpt",
        "last.ckpt",
    ]

    # the same checkpoint tested in one process: the same scores, the same predictions
    single = tmp_path / "single"
    _train([*common, f"hydra.run.dir={single}", f"ckpt_path={run}/checkpoints/last.ckpt"])
    ddp_scores, single_scores = _test_scores(run), _test_scores(single)
    assert ddp_scores.keys() == single_scores.keys()
    assert sum(isinstance(v, float) for v in ddp_scores.values()) >= 5
    for key, value in ddp_scores.items():
        assert _same(value, single_scores[key]), (key, value, single_scores[key])
    pd.testing.assert_frame_equal(
        predictions, pd.read_csv(single / "predictions.csv"), check_exact=False, rtol=1e-4
    )
