"""``python -m microexp.baselines`` end to end on the tiny set, the runner's HOOF path on
hand-made flow, the shared cache key, and bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from microexp.baselines.__main__ import main, parse_folds
from microexp.baselines.config import BaselineConfig, BaselineError
from microexp.baselines.runner import Runner, auto_k, run_baselines
from microexp.baselines.scores import applicable_scores
from microexp.classes import CLASSES_5
from microexp.data.datamodule import MicroExpDataModule
from microexp.data.splits import make_splits
from microexp.eval.records import PREDICTION_FIELDS, records_from_files
from microexp.train.metrics import SCORES

ROOT = Path(__file__).resolve().parents[2]

#: The keys of the network's metrics.json that every baseline run carries too.
NETWORK_KEYS = {
    "stage",
    "fold",
    "split",
    "test_subjects",
    "selected",
    *SCORES,
    "data/clips",
    "data/subjects",
    "data/skipped",
    "data/train_clips",
    "data/val_clips",
    "data/test_clips",
    "data/frame_stride",
    "data/skipped_reasons",
    "data/fingerprint",
    "epochs",
    "width",
    "seconds",
}
FRAME_COLUMNS = ["subject", "episode", "frame", "intensity", "target", "inside", "state"] + [
    f"p_{c}" for c in CLASSES_5
]


@pytest.fixture(scope="module")
def cli_run(tiny_dataset: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("baselines")
    code = main(
        [
            "--root",
            str(tiny_dataset),
            "--out",
            str(out),
            "--cache-dir",
            str(cache_dir),
            "--split",
            "loso",
            "--fold",
            "0",
            "--method",
            "lbp",
            "lbptop_svm",
            "--quiet",
        ]
    )
    return code, out


def read_metrics(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise ValueError(f"{path} holds {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_cli_writes_the_network_files(cli_run, capsys) -> None:
    code, out = cli_run
    assert code == 0
    for method in ("lbp", "lbptop_svm"):
        run = out / method / "fold_00"
        metrics = read_metrics(run / "metrics.json")
        assert metrics.keys() >= NETWORK_KEYS
        assert metrics["stage"] == method and metrics["fold"] == 0 and metrics["split"] == "loso"
        assert metrics["test_subjects"] == ["sub01"]
        assert metrics["epochs"] is None and metrics["width"] is None
        assert metrics["data/clips"] == 15 and metrics["data/subjects"] == 3
        assert metrics["data/test_clips"] == 5 and metrics["data/train_clips"] == 10
        header = (run / "predictions.csv").read_text().splitlines()[0].split(",")
        assert header == list(PREDICTION_FIELDS) + [f"p_{c}" for c in CLASSES_5]
        assert (run / "frames.csv").read_text().splitlines()[0].split(",") == FRAME_COLUMNS
        records = records_from_files(run / "predictions.csv", run / "frames.csv", CLASSES_5)
        assert len(records) == 5 and {r.subject for r in records} == {"sub01"}
        assert all(len(r.frame_numbers) == len(r.inside) > 0 for r in records)
        # the metrics agree with the files
        scores = applicable_scores(records, method, len(CLASSES_5))
        for key in [k for k in scores if k != "clips"]:
            want = metrics[f"test/{key}"]
            assert (scores[key] is None) == (want is None), key
            if isinstance(want, str):
                assert scores[key] == want
            elif want is not None:
                assert scores[key] == pytest.approx(want, abs=1e-3 if "auc" in key else 1e-9)
        # no flow attached without HOOF: the flow reference is null, with its reason
        assert metrics["test/ref_flow/apex_mae"] is None and metrics["test/ref_flow/apex_why"]
        assert (
            metrics["test/ref_centre/apex_mae"] >= 0
            and metrics["test/ref_centre/apex_why"] is None
        )

    lbp = read_metrics(out / "lbp" / "fold_00" / "metrics.json")
    # the tiny set's clips span onset..offset as CASME II's do: no frame outside the expression,
    # so inside/outside AUC and interval F1 are undefined and say why
    assert lbp["test/auc"] is None and lbp["test/auc_why"]
    assert lbp["test/spot_f1"] is None and lbp["test/spot_f1_why"]
    assert lbp["test/apex_mae"] >= 0 and 0 <= lbp["test/phase_auc"] <= 1
    assert lbp["test/accuracy"] is None and lbp["test/uf1"] is None
    assert lbp["baseline/k"] >= 1
    svm = read_metrics(out / "lbptop_svm" / "fold_00" / "metrics.json")
    assert 0 <= svm["test/accuracy"] <= 1 and 0 <= svm["test/uar"] <= 1
    assert svm["test/auc"] is None and svm["test/spot_f1"] is None
    assert svm["test/apex_mae"] is None and svm["test/apex_why"].startswith("the method predicts")
    assert svm["test/ref_centre/apex_mae"] == lbp["test/ref_centre/apex_mae"]

    spot = records_from_files(
        out / "lbp" / "fold_00" / "predictions.csv",
        out / "lbp" / "fold_00" / "frames.csv",
        CLASSES_5,
    )
    assert all(r.pred_label == -1 and np.isnan(r.probs).all() for r in spot)
    assert all(r.intensity.min() >= 0 and r.intensity.max() <= 1 for r in spot)
    rec = records_from_files(
        out / "lbptop_svm" / "fold_00" / "predictions.csv",
        out / "lbptop_svm" / "fold_00" / "frames.csv",
        CLASSES_5,
    )
    assert all(0 <= r.pred_label < 5 and np.isnan(r.intensity).all() for r in rec)
    assert all(np.allclose(r.clip_probs.sum(), 1.0) for r in rec)

    summary = read_metrics(out / "summary.json")
    assert set(summary["methods"]) == {"lbp", "lbptop_svm"} and summary["folds"] == [0]


def test_runner_hoof_path_on_hand_made_flow(
    tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    # HOOF without computing TV-L1: each clip's chain gets an onset-referenced displacement that
    # moves one corner of the face out to the apex and back to the offset, so the HOOF curve
    # must peak inside the annotated interval
    cfg = BaselineConfig(
        root=tiny_dataset, out=tmp_path, methods=("hoof",), cache_dir=cache_dir, progress=False
    )
    data = cfg.store().prepare(flow=False)
    rng = np.random.default_rng(0)
    for c in data.clips:
        flow = rng.normal(0, 0.02, (len(c.chain), 2, 64, 64)).astype(np.float16)
        flow[:, 0, 40:60, 4:24] += 1.5 * c.intensity[c.chain, None, None]
        c.flow = flow
    split = make_splits("loso", [c.clip for c in data.clips], [1])[0]
    result = Runner(cfg, data).run("hoof", split)
    assert result.metrics["stage"] == "hoof" and result.metrics["test_subjects"] == ["sub02"]
    # clips cut at onset..offset: no outside frames, so the gated scores say why they are null
    assert result.metrics["test/auc"] is None and "outside" in result.metrics["test/auc_why"]
    assert 0 <= result.metrics["test/phase_auc"] <= 1 and result.metrics["test/apex_mae"] >= 0
    for r in result.records:
        assert np.isfinite(r.intensity).all() and len(r.intensity) == len(r.frame_numbers)
        assert r.pred_apex == r.frame_numbers[int(np.argmax(r.intensity))]
        # the flow reference finds the planted displacement's peak, the annotated apex
        assert abs(r.ref_flow_apex - r.apex) <= 4
    assert result.metrics["test/ref_flow/apex_hit"] == 1.0
    assert result.metrics["test/ref_flow/apex_mae"] is not None
    assert (tmp_path / "hoof" / "fold_01" / "metrics.json").is_file()


def test_auto_k_uses_training_annotations(
    tiny_dataset: Path, cache_dir: Path, tmp_path: Path
) -> None:
    cfg = BaselineConfig(root=tiny_dataset, out=tmp_path, cache_dir=cache_dir, progress=False)
    data = cfg.store().prepare(flow=False)
    lengths = [int(c.inside.sum()) for c in data.clips]
    assert auto_k(data.clips) == max(1, round(float(np.median(lengths)) / 2))
    with pytest.raises(BaselineError, match="fold 3 does not exist"):
        run_baselines(replace(cfg, folds=[3], methods=("lbp",)))
    holdout = make_splits("holdout", [c.clip for c in data.clips])[0]
    assert holdout.name == "holdout" and holdout.test


def test_cache_key_is_the_networks(
    tiny_datamodule: Callable[..., MicroExpDataModule], cache_dir: Path, tmp_path: Path
) -> None:
    dm = tiny_datamodule()
    ds = dm.data.dataset
    cfg = BaselineConfig(
        root=dm.root, out=tmp_path, cache_dir=cache_dir, flow_backend="opencv", progress=False
    )
    ours = cfg.store()
    assert ours.crop_mode(ds) == dm.store.crop_mode(ds)
    assert ours.frame_cache(ds).dir == dm.store.frame_cache(ds).dir
    assert ours.flow_cache(ds).key == dm.store.flow_cache(ds).key
    # the baselines prepare the network's clips, skips and targets from the same caches
    data = ours.prepare(flow=False)
    assert data.summary() == dm.data.summary()
    assert [c.clip.id for c in data.clips] == [c.clip.id for c in dm.data.clips]


def test_parse_folds() -> None:
    assert parse_folds("all") is None
    assert parse_folds("3") == [3]
    assert parse_folds("0,2,5-7") == [0, 2, 5, 6, 7]


def test_bad_input_is_a_clear_error(
    tmp_path: Path, tiny_dataset: Path, cache_dir: Path, capsys
) -> None:
    missing = tmp_path / "nowhere"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "microexp.baselines",
            "--root",
            str(missing),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: ") and str(missing) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()

    code = main(
        [
            "--root",
            str(tiny_dataset),
            "--out",
            str(tmp_path / "o2"),
            "--cache-dir",
            str(cache_dir),
            "--fold",
            "7",
            "--method",
            "lbp",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "fold" in err and "folds 0-2" in err
    with pytest.raises(SystemExit):
        main(["--root", str(tiny_dataset), "--k", "0"])
    assert "--k" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_all_methods_with_tvl1_flow(tiny_dataset: Path, tmp_path: Path) -> None:
    """All three methods, HOOF on real TV-L1 flow; the flow of the tested clips only."""
    cache = tmp_path / "cache"
    args = ["--root", str(tiny_dataset), "--cache-dir", str(cache), "--flow-backend", "opencv"]
    assert main([*args, "--out", str(tmp_path / "one"), "--fold", "0", "--method", "hoof"]) == 0
    flows = list(cache.glob("flow/*/*.npy"))
    assert len(flows) == 5 and all("sub01" in f.name for f in flows)  # fold 0 tests sub01

    assert main([*args, "--out", str(tmp_path / "all"), "--fold", "all", "--quiet"]) == 0
    assert len(list(cache.glob("flow/*/*.npy"))) == 15
    summary = json.loads((tmp_path / "all" / "summary.json").read_text())
    assert summary["folds"] == [0, 1, 2]
    hoof = summary["methods"]["hoof"]["pooled"]
    assert 0 <= hoof["phase_auc"] <= 1 and not math.isnan(hoof["phase_auc"])
    assert hoof["auc"] is None  # onset..offset clips: no outside frames
    assert len(list((tmp_path / "all" / "hoof").glob("fold_*/metrics.json"))) == 3
