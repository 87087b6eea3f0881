"""``python -m microexp.data.datasets NAME ROOT``: the summary as JSON or a table; errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from microexp.data.datasets.cli import main
from tests.data.datasets.long_fixture import (
    SAMM_LV_BOOK,
    samm_row,
    touch_frames,
    write_samm_lv_book,
)


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


def test_video_release_as_json_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "SAMMLV"
    rows = [samm_row("006_1_1", 2, 3, 4, "Micro - 1/2"), samm_row("006_2_1", 1, 2, 3)]
    write_samm_lv_book(root / SAMM_LV_BOOK, rows)
    touch_frames(root / "SAMM_longvideos" / "006_1", [f"006_1_{n:04d}.jpg" for n in range(1, 11)])
    assert main(["samm_lv", str(root), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["dataset"], summary["videos"], summary["frames"]) == ("samm_lv", 1, 10)
    assert summary["expressions"] == {"micro": 1, "macro": 0}
    assert summary["skipped"][0]["episode"] == "006_2" and summary["notes"] == []
    assert main(["samm_lv", str(root)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("SAMM long videos at ")
    assert "1 videos, 10 frames" in table and "skipped (1)" in table
    assert main(["casme_sq", str(root)]) == 2
    assert "error: no CAS(ME)^2 workbook" in capsys.readouterr().err


def test_protocols_come_from_the_dataset(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["samm", str(tmp_path), "--protocol", "7"])
    assert exit_.value.code == 2
    assert "'7' is not a protocol of samm (choose from 5, all, 3)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "protocol"),
    [("samm", "5-class"), ("smic", "3-class"), ("casme", "4-class"), ("casme3", "7-class")],
)
def test_every_reader_summarises_its_layout(
    layouts: dict[str, Path], name: str, protocol: str, capsys: pytest.CaptureFixture
) -> None:
    assert main([name, str(layouts[name]), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["protocol"] == protocol and summary["clips"] > 0


def test_composite_table_and_error(
    layouts: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["composite", str(layouts["composite"]), "--protocol", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MEGC 2019 composite (CASME II + SAMM + SMIC-HS) at ")
    assert "negative" in out and "listed in combined_3class_gt.csv" in out
    assert main(["composite", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: no CASME II, SAMM, SMIC-HS under")
