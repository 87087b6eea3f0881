"""``train.py --help`` opens with the project's own page; ``-m ... --cfg job`` shows a job."""

from __future__ import annotations

import logging
import sys

import pytest
from hydra.core.global_hydra import GlobalHydra

from microexp.train.cli import single_job_argv
from microexp.train.job import main
from tests.conftest import CONF


def _main(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[str, str]:
    """Run the entry point in this process with ``argv``; its stdout and stderr. Hydra's
    logging set-up (handlers on the captured streams) is undone afterwards."""
    monkeypatch.setattr(sys, "argv", ["train.py", *argv])
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    GlobalHydra.instance().clear()
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr()
    finally:
        GlobalHydra.instance().clear()
        root.handlers[:] = handlers
        root.setLevel(level)
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_help_opens_with_what_a_run_does(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    out, _ = _main(["--help"], monkeypatch, capsys)
    assert out.startswith("train.py: train and test the micro-expression network")
    page = out[: out.index("== Configuration groups")]  # before Hydra's groups
    for words in (
        "A plain `python train.py` trains the joint stage",
        "(split=holdout)",
        "-m split=loso 'split.fold=range(26)'",
        "experiment=paper",
        "add trainer=cpu",
        "outputs/train/runs/<date>_<stage>/",
        "--cfg job",
    ):
        assert words in page, words
    for release in sorted(p.stem for p in (CONF / "data").glob("*.yaml")):
        assert f"  data={release} " in page, release
    assert "Powered by Hydra" not in out


def test_cfg_with_multirun_shows_the_first_job(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    out, err = _main(
        ["-m", "split=loso", "split.fold=range(26)", "--cfg", "job"], monkeypatch, capsys
    )
    assert "split:\n  name: loso\n  fold: 0\n" in out
    assert err.strip() == "note: -m would launch 26 jobs; showing the first one's (split.fold=0)"


def test_single_job_argv() -> None:
    argv = ["train.py", "-m", "a=1", "split.fold=range(3)", "stage=spatial,temporal"]
    assert single_job_argv(argv) == argv  # a sweep to launch: untouched
    assert single_job_argv([*argv, "--cfg", "job"]) == [
        "train.py",
        "a=1",
        "split.fold=0",
        "stage=spatial",
        "--cfg",
        "job",
    ]
    with pytest.raises(SystemExit) as info:
        single_job_argv(["train.py", "-m", "model.lr=interval(0,1)", "--info"])
    assert info.value.code == 2
