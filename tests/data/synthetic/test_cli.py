"""``python -m microexp.data.synthetic OUT``: refuses a non-empty folder, prints its summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from microexp.data.datasets.casme2 import load_casme2


def test_cli_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("x")
    out = subprocess.run(
        [sys.executable, "-m", "microexp.data.synthetic", str(tmp_path / "x"), "--subjects", "1"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "not empty" in out.stderr and "Traceback" not in out.stderr


def test_cli_writes_summary(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "microexp.data.synthetic",
            str(tmp_path / "s"),
            "--subjects",
            "2",
            "--clips",
            "2",
            "--seed",
            "5",
            "--trees",
            "both",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["clips"] == 4
    ds = load_casme2(tmp_path / "s", tree="raw")
    assert len(ds.clips) == 4 and ds.clips[0].frames[0].name.startswith("img")


def test_cli_casme2_options(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "microexp.data.synthetic", str(tmp_path / "h")]
    options = ["--subjects", "2", "--clips", "4", "--size", "0.5", "--margin", "2"]
    out = subprocess.run(
        [*args, *options, "--no-quirks", "--workers", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert (summary["clips"], summary["margin"], summary["quirks"]) == (4, 2, {})
    ds = load_casme2(tmp_path / "h", protocol="7")
    assert len(ds.clips) == 4 and not ds.skipped
    assert all(c.frame_numbers[0] == c.onset - 2 for c in ds.clips)
    bad = subprocess.run(
        [*args[:-1], str(tmp_path / "x"), "--layout", "smic", "--no-quirks"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--no-quirks applies to the casme2 layout only" in bad.stderr
