"""The synthetic releases: statistics as uneven as each release's, byte-reproducible output in
each release's layout, and the CLI's --layout."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import cv2
import pytest

from microexp.data.synthetic import casme, casme3, samm, smic
from microexp.data.synthetic.plans import apportion
from microexp.data.synthetic.releases import GENERATORS

RELEASES = {
    "samm": (samm.plan_samm, samm.CLASS_COUNTS, 29),
    "smic": (smic.plan_smic, smic.CLASS_COUNTS, 16),
    "casme": (casme.plan_casme, casme.CLASS_COUNTS, 19),
    "casme3": (casme3.plan_casme3, casme3.CLASS_COUNTS, 30),
}


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", list(RELEASES))
def test_plans_mirror_the_release_statistics(name: str) -> None:
    plan_fn, counts, subjects = RELEASES[name]
    plan = plan_fn(subjects, 6, 0)
    per_class = Counter(s.emotion for s in plan.samples)
    per_subject = Counter(s.spec.subject for s in plan.samples)
    assert sum(per_class.values()) == subjects * 6 and set(per_class) == set(counts)
    assert per_class.most_common(1)[0][0] == max(counts, key=counts.__getitem__)
    assert len(per_subject) == subjects and max(per_subject.values()) > 2 * min(
        per_subject.values()
    )
    ids = [(s.spec.subject, s.spec.episode) for s in plan.samples]
    assert len(set(ids)) == len(ids)
    assert plan_fn(subjects, 6, 0) == plan and plan_fn(subjects, 6, 1) != plan


def test_apportion() -> None:
    assert apportion(10, [57, 12, 26], minimum=1) == [5, 2, 3]  # 1 each + 7 by weight
    assert apportion(2, [1, 1, 1], minimum=1) == [1, 1, 0]
    assert sum(apportion(37, [0.2, 0.5, 0.3], minimum=2)) == 37


@pytest.mark.parametrize("name", list(RELEASES))
def test_byte_reproducible(tmp_path: Path, name: str) -> None:
    generate = GENERATORS[name]
    generate(tmp_path / "a", subjects=1, clips=2, seed=0, workers=1, progress=False)
    generate(tmp_path / "b", subjects=1, clips=2, seed=0, workers=2, progress=False)
    generate(tmp_path / "c", subjects=1, clips=2, seed=1, workers=1, progress=False)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_layout_details(tmp_path: Path) -> None:
    samm.generate_samm(tmp_path / "samm", subjects=1, clips=2, workers=1, progress=False)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "samm" / samm.SHEET_NAME).active
    assert sheet.cell(1, 1).value.startswith("SAMM") and sheet.cell(14, 1).value == "Subject"
    frame = next((tmp_path / "samm" / "SAMM_CROP" / "006").rglob("006_*.jpg"))
    assert len(frame.stem.split("_")[1]) == 5
    assert cv2.imread(str(frame), cv2.IMREAD_UNCHANGED).ndim == 2
    smic.generate_smic(tmp_path / "smic", subjects=1, clips=1, workers=1, progress=False)
    assert not list((tmp_path / "smic").glob("*.xls*"))
    frame = next((tmp_path / "smic" / "SMIC_all_cropped" / "HS" / "s1" / "micro").rglob("*.bmp"))
    assert frame.name.startswith("reg_image") and len(frame.stem) == len("reg_image") + 6
    assert (tmp_path / "smic" / "SMIC_all_cropped" / "HS" / "s1" / "non_micro").is_dir()


def test_cli_layouts(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "microexp.data.synthetic",
            str(tmp_path / "c3"),
            "--layout",
            "casme3",
            "--subjects",
            "1",
            "--clips",
            "2",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["layout"] == "casme3" and summary["clips"] == 2
    assert (tmp_path / "c3" / casme3.SHEET_NAME).is_file()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "microexp.data.synthetic",
            str(tmp_path / "x"),
            "--layout",
            "smic",
            "--trees",
            "raw",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--trees applies to the casme2 layout only" in bad.stderr
