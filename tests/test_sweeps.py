"""Sweeps through the real CLI: a 2-fold LOSO multirun and a 2-trial optuna search (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, tiny_overrides


def _cli_overrides(dataset: Path, cache: Path, out: Path) -> list[str]:
    return [o for o in tiny_overrides(dataset, cache, out) if not o.startswith("paths.output_dir")]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [sys.executable, "train.py", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


@pytest.mark.slow
def test_loso_multirun_two_folds(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    _run(
        [
            "-m",
            "stage=joint",
            "stage.pretrained=none",
            "split=loso",
            "split.fold=0,1",
            f"hydra.sweep.dir={sweep}",
            *_cli_overrides(tiny_dataset, cache_dir, tmp_path),
        ]
    )
    runs = [json.loads((sweep / str(i) / "metrics.json").read_text()) for i in (0, 1)]
    assert [r["fold"] for r in runs] == [0, 1]
    assert runs[0]["test_subjects"] != runs[1]["test_subjects"]
    for i, r in enumerate(runs):
        assert r["stage"] == "joint" and r["data/test_clips"] == 5
        assert 0.0 <= r["test/accuracy"] <= 1.0
        assert (sweep / str(i) / "predictions.csv").is_file()
        assert (sweep / str(i) / ".hydra" / "overrides.yaml").is_file()


@pytest.mark.slow
def test_loso_sweep_through_submitit(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> None:
    """A 2-fold LOSO sweep through submitit's local executor (Slurm's code path: each job
    pickled, run in its own process, its result read back), pooled by the report."""
    from tests.eval.report.sweeps import check_against_csv, run_cli

    sweep = tmp_path / "sweep"
    _run(
        [
            "-m",
            "hydra/launcher=submitit_local",
            "stage=joint",
            "stage.pretrained=none",
            "split=loso",
            "split.fold=0,1",
            "data.flow_backend=opencv",
            f"hydra.sweep.dir={sweep}",
            *_cli_overrides(tiny_dataset, cache_dir, tmp_path),
        ]
    )
    # submitit's own records of the two jobs (a folder per job id): each returned its result
    jobs = [job for job in (sweep / ".submitit").iterdir() if job.name.isdigit()]
    assert len(jobs) == 2 and all(list(job.glob("*_result.pkl")) for job in jobs)
    folders = [sweep / str(i) for i in (0, 1)]
    runs = [json.loads((f / "metrics.json").read_text()) for f in folders]
    assert [r["fold"] for r in runs] == [0, 1]
    assert [r["test_subjects"] for r in runs] == [["sub01"], ["sub02"]]
    out = run_cli(str(sweep))
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads((sweep / "report" / "report.json").read_text())
    joint = report["groups"]["joint"]
    assert [f["fold"] for f in joint["folds"]] == [0, 1]
    assert joint["pooled"]["clips"] == 5 + 7
    # the one warning: the sweep left sub03's fold out
    assert len(report["warnings"]) == 1 and "missing fold(s) 2" in report["warnings"][0]
    check_against_csv(report, folders)


@pytest.mark.slow
def test_optuna_two_trials(tiny_dataset: Path, cache_dir: Path, tmp_path: Path) -> None:
    import optuna

    sweep = tmp_path / "sweep"
    _run(
        [
            "hparams_search=joint_optuna",
            "hydra.sweeper.n_trials=2",
            "hydra.sweeper.sampler.n_startup_trials=2",
            "stage=joint",
            "stage.pretrained=none",
            "tuning.subjects=[sub02]",
            f"hydra.sweep.dir={sweep}",
            *_cli_overrides(tiny_dataset, cache_dir, tmp_path),
        ]
    )
    study = optuna.load_study(
        study_name="microexp_joint", storage=f"sqlite:///{tmp_path}/outputs/optuna.sqlite"
    )
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 2
    assert all(t.value is not None and 0.0 <= t.value <= 1.0 for t in done)
    lrs = {t.params["model.optimizer.lr"] for t in done}
    assert len(lrs) == 2  # the seeded sampler proposed two different trials
    for i in (0, 1):
        saved = json.loads((sweep / str(i) / "metrics.json").read_text())
        # every trial selected on the tuning subject, by validation UF1
        assert saved["tuning_subjects"] == ["sub02"] and saved["data/val_clips"] == 5
        assert saved["val/uf1"] == pytest.approx(done[i].value)
        assert saved["test_subjects"] == ["sub01"]
    assert (sweep / "optimization_results.yaml").is_file()
