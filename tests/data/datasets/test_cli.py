"""``python -m microexp.data.datasets NAME ROOT``: the summary as JSON or a table; errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from microexp.data.datasets.cli import main


def test_cli_json_and_error(quirky: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.datasets", "casme2", str(quirky), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout)
    assert set(summary) >= {
        "root",
        "frames_tree",
        "clips",
        "subjects",
        "per_class",
        "skipped",
        "notes",
    }
    assert summary["clips"] == 8 and summary["frames_tree"] == "Cropped"
    assert {"subject", "episode", "reason"} == set(summary["skipped"][0])
    table = subprocess.run(
        [sys.executable, "-m", "microexp.data.datasets", "casme2", str(quirky)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usable clips" in table.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "microexp.data.datasets", "casme2", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "error:" in bad.stderr and "Traceback" not in bad.stderr


def test_table_names_the_release(quirky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["casme2", str(quirky), "--protocol", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("CASME II at ") and "(7-class protocol)" in out


def test_unknown_reader_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["casme9", str(tmp_path)])
    assert exit_.value.code == 2
