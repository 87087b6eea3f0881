"""``python -m microexp.eval.report``: exit status, errors and the printed summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microexp.eval.report.__main__ import main
from tests.eval.report.sweeps import fake_sweep, run_cli


def test_cli_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run_cli(str(empty))  # the real process: exit status and stderr as a user sees them
    assert out.returncode == 1
    assert out.stderr.startswith("error: no metrics.json under") and "Traceback" not in out.stderr
    assert out.stdout == "" and not (empty / "report").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: None, "does not exist"),
        (lambda d: d.mkdir() or (d / "metrics.json").write_text("[1, 2]"), "no readable run"),
        (lambda d: d.write_text("x"), "is not a folder"),
    ],
    ids=["missing", "broken-metrics", "a-file"],
)
def test_cli_bad_input_is_one_error_line(tmp_path: Path, capsys, make, message: str) -> None:
    target = tmp_path / "runs"
    make(target)
    assert main([str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_cli_prints_a_summary(tmp_path: Path, capsys) -> None:
    sweep = fake_sweep(tmp_path / "sweep")
    assert main([str(sweep)]) == 0
    pooled = json.loads((sweep / "report" / "report.json").read_text())["groups"]["joint"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Proposed (joint): 3 fold(s), 12 clips")
    assert f"accuracy {100 * pooled['pooled']['accuracy']:.2f}%" in lines[0]
    assert lines[1].startswith(f"report: {sweep / 'report' / 'report.md'}")
