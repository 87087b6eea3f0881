"""train.py on every release's synthetic layout: ``data=<name>`` runs a tiny fold with that
release's classes and frame rate; the MEGC 2019 composite as LOSO folds and as a cross-dataset
split, scored again by ``python -m microexp.eval.megc recog`` from the run's ``recog.csv``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from microexp.classes import dataset_protocols, protocol_of
from microexp.data.synthetic.releases import GENERATORS
from microexp.eval.records import read_predictions
from microexp.eval.scores import recognition_scores
from microexp.train.job import train
from tests.conftest import ROOT, composed

RELEASES = ("samm", "smic", "casme", "casme3", "composite")
#: composite reads three layouts at once and stays in the fast suite; the single releases train
#: the same code path on their own layout and run in ``make test-all``
FOLDS = [pytest.param(r, marks=pytest.mark.slow) if r != "composite" else r for r in RELEASES]


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each release's synthetic layout, 2 subjects x 3 clips (the composite: of each of its
    three releases), written once per session."""
    out = tmp_path_factory.mktemp("releases")
    roots = {}
    for name in RELEASES:
        roots[name] = out / name
        GENERATORS[name](roots[name], subjects=2, clips=3, seed=0, workers=1, progress=False)
    return roots


def run_overrides(root: Path, cache: Path, out: Path, dataset: str) -> list[str]:
    """A joint run in seconds: the tiny preset, no pretrained backbones, 32-pixel frames and
    flow, one training batch."""
    return [
        "debug=tiny",
        f"data={dataset}",
        f"data.root={root}",
        "data.synthetic=null",
        f"data.cache_dir={cache}",
        "data.flow_backend=opencv",
        "data.size=32",
        "data.flow_size=32",
        "stage=joint",
        "stage.pretrained=none",
        "trainer.limit_train_batches=1",
        f"paths.root_dir={out}",
        f"paths.log_dir={out}/outputs",
        f"paths.output_dir={out}/outputs/run",
    ]


@pytest.mark.parametrize("dataset", FOLDS)
def test_each_release_trains_a_fold_with_its_classes(
    dataset: str, releases: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    overrides = [*run_overrides(releases[dataset], cache_dir, tmp_path, dataset), "split=loso"]
    with composed(overrides) as cfg:
        metrics, objects = train(cfg)
    run = Path(cfg.paths.output_dir)
    saved = json.loads((run / "metrics.json").read_text())
    classes = protocol_of(dataset, dataset_protocols(dataset)[0]).classes
    assert saved["dataset"] == dataset and saved["classes"] == list(classes)
    assert objects["model"].class_names == classes
    header = (run / "predictions.csv").read_text().splitlines()[0].split(",")
    assert [c[2:] for c in header if c.startswith("p_")] == list(classes)
    datasets = {c.clip.dataset for c in objects["datamodule"].data.clips}
    assert datasets == ({"casme2", "samm", "smic"} if dataset == "composite" else {dataset})


def megc_scores(*recog: Path) -> dict:
    """``python -m microexp.eval.megc recog --pred ... --out`` run as a user runs it."""
    out = recog[0].parent / "megc.json"
    run = subprocess.run(
        [sys.executable, "-m", "microexp.eval.megc", "recog", "--pred", *map(str, recog)]
        + ["--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text())


def test_cross_dataset_fold_scored_again_by_the_megc_scorer(
    releases: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    overrides = [
        *run_overrides(releases["composite"], cache_dir, tmp_path, "composite"),
        "split=cross_dataset",
        "split.train_datasets=[casme2,samm]",
        "split.test_datasets=[smic]",
        "split.val_subjects=1",
    ]
    with composed(overrides) as cfg:
        metrics, objects = train(cfg)
    split = objects["datamodule"].split
    by_subject = {c.clip.subject: c.clip.dataset for c in objects["datamodule"].data.clips}
    assert {by_subject[s] for s in split.test} == {"smic"}
    assert {by_subject[s] for s in split.train + split.val} == {"casme2", "samm"}
    assert len(split.val) == 1
    run = Path(cfg.paths.output_dir)
    rows = list(csv.DictReader((run / "predictions.csv").open()))
    assert {r["dataset"] for r in rows} == {"smic"}
    # every class is true somewhere in the test clips: UF1 and UAR are then the same whichever
    # rule leaves out classes that are never true
    assert {r["true_class"] for r in rows} == set(metrics["classes"])
    scores = megc_scores(run / "recog.csv")
    assert scores["overall"]["n"] == len(rows) == metrics["data/test_clips"]
    for key in ("uf1", "uar", "accuracy"):
        assert scores["overall"][key] == pytest.approx(metrics[f"test/{key}"], abs=1e-12)
        assert scores["smic"][key] == pytest.approx(metrics[f"test/{key}"], abs=1e-12)


@pytest.mark.slow
def test_composite_loso_multirun_pooled_by_the_megc_scorer(
    releases: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    sweep = tmp_path / "sweep"
    root = releases["composite"]
    overrides = [
        o
        for o in run_overrides(root, cache_dir, tmp_path, "composite")
        if not o.startswith("paths.output_dir")
    ]
    subjects = 6  # 2 of each release (tests/data/datasets read the composite itself)
    run = subprocess.run(
        [sys.executable, "train.py", "-m", *overrides, "split=loso"]
        + [f"split.fold=range({subjects})", f"hydra.sweep.dir={sweep}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    folds = [sweep / str(k) for k in range(subjects)]
    tested = [json.loads((f / "metrics.json").read_text())["test_subjects"] for f in folds]
    assert sorted(s for t in tested for s in t) == ["006", "007", "s1", "s2", "sub01", "sub02"]
    # the pooled scores of every fold's predictions (predictions.csv, as the report pools them)
    rows = [r for f in folds for r in read_predictions(f / "predictions.csv")]
    assert {r["dataset"] for r in rows} == {"casme2", "samm", "smic"}
    scored = [r for r in rows if r["true_label"] >= 0 and r["pred_label"] >= 0]
    classes = json.loads((folds[0] / "metrics.json").read_text())["classes"]
    assert {r["true_class"] for r in scored} == set(classes)
    pooled = recognition_scores(
        np.array([r["true_label"] for r in scored]),
        np.array([r["pred_label"] for r in scored]),
        len(classes),
    )
    scores = megc_scores(*(f / "recog.csv" for f in folds))
    assert scores["overall"]["n"] == len(scored)
    for key in ("uf1", "uar", "accuracy"):
        assert scores["overall"][key] == pytest.approx(pooled[key], abs=1e-12)
    # per release: the same per-class counts as the predictions of that release
    for dataset in ("casme2", "samm", "smic"):
        mine = [r for r in scored if r["dataset"] == dataset]
        for c in classes:
            counts = scores[dataset]["per_class"][c]
            assert counts["tp"] == sum(r["true_class"] == r["pred_class"] == c for r in mine)
            assert counts["n"] == sum(r["true_class"] == c for r in mine)
