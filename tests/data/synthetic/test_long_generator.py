"""Synthetic long videos: written in the CAS(ME)^2 and SAMM-LV layouts, read back exactly by
their readers (every video, every expression, every planted quirk), byte-reproducible."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import cv2
import pytest
from openpyxl import load_workbook

from microexp.data.datasets import read_videos
from microexp.data.records import Skip, VideoSet
from microexp.data.synthetic import casme_sq, samm_lv
from microexp.data.synthetic.cli import main
from microexp.data.synthetic.long_generator import generate_videos
from microexp.data.synthetic.long_plan import NO_FOLDER, NO_ROWS, plan_videos

#: Small releases: CAS(ME)^2 2 subjects x 2 videos, SAMM-LV (200 fps) 1 subject x 1 video,
#: each about 8-9 s, plus the planted videos.
SIZES = {"casme_sq": (2, 2, 0.15), "samm_lv": (1, 1, 0.1)}


@pytest.fixture(scope="module", params=sorted(SIZES))
def release(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    layout = request.param
    subjects, videos, minutes = SIZES[layout]
    root = tmp_path_factory.mktemp(layout) / layout
    generate_videos(
        root,
        layout=layout,
        subjects=subjects,
        videos=videos,
        minutes=minutes,
        seed=3,
        workers=2,
        progress=False,
    )
    return root


def _read(root: Path) -> tuple[dict[str, Any], VideoSet]:
    meta = json.loads((root / "synthetic.json").read_text())
    return meta, read_videos(meta["layout"], root)


def _as_read(layout: str, e: dict[str, Any]) -> tuple[int, int, int, str, str]:
    """What the reader gives for a planted expression: its sheet values after the release's
    rule (CAS(ME)^2 offset 0 -> the apex; SAMM-LV onset 0 -> the first frame)."""
    onset, apex, offset = e["sheet"]
    return (onset or 1, apex, offset or apex, e["kind"], e["emotion"])


def test_reader_loads_every_video_and_expression(release: Path) -> None:
    meta, ds = _read(release)
    layout = meta["layout"]
    written = {p["video"]: p for p in meta["plans"] if p["frames_written"]}
    assert [v.video for v in ds.videos] == sorted(written)
    assert ds.fps == meta["fps"] and len(ds.videos) == meta["videos"]
    assert sum(len(v) for v in ds.videos) == meta["frames"]
    for video in ds.videos:
        plan = written[video.video]
        assert (video.dataset, video.subject, video.fps) == (layout, plan["subject"], meta["fps"])
        assert video.frames[0].parent == release / plan["folder"]
        assert video.frame_numbers == list(range(1, plan["n_frames"] + 1))
        got = [(e.onset, e.apex, e.offset, e.kind, e.emotion) for e in video.expressions]
        assert got == [_as_read(layout, e) for e in plan["expressions"]]
        assert [e.action_units for e in video.expressions] == [
            e["action_units"] for e in plan["expressions"]
        ]
    first = ds.videos[0].frames[0].name
    assert first == {"casme_sq": "img001.jpg", "samm_lv": "006_1_0001.jpg"}[layout]


def test_reader_reports_every_planted_quirk(release: Path) -> None:
    meta, ds = _read(release)
    plans = meta["plans"]
    missing = next(p for p in plans if p["quirk"] == NO_FOLDER)
    empty = next(p for p in plans if p["quirk"] == NO_ROWS)
    quirky = next(p for p in plans if p["quirk"] not in ("", NO_FOLDER, NO_ROWS))
    book = ds.sheet.name
    assert missing["expressions"] and not empty["expressions"]
    assert ds.skipped == [
        Skip(
            missing["subject"],
            missing["video"],
            f"{book} row {e['row']}: no frame folder for video {missing['video']}",
        )
        for e in missing["expressions"]
    ]
    hidden = [e for e in quirky["expressions"] if 0 in e["sheet"]]
    assert len(hidden) == 1
    where = f"{quirky['subject']}/{quirky['video']} row {hidden[0]['row']}"
    quirk_note = {
        "casme_sq": "with offset 0 (unknown): the interval ends at the apex",
        "samm_lv": "with onset 0 (before the video): the interval starts at the video's first "
        "frame",
    }[meta["layout"]]
    assert ds.notes == [
        f"1 expression(s) {quirk_note} ({where})",
        "1 video(s) without annotated expressions, kept (their predictions still count): "
        f"{empty['subject']}/{empty['video']}",
    ]


def test_layout_details(release: Path) -> None:
    meta, ds = _read(release)
    image = cv2.imread(str(ds.videos[0].frames[0]), cv2.IMREAD_UNCHANGED)
    if meta["layout"] == "casme_sq":
        assert image.shape == (144, 192, 3)
        book = load_workbook(release / casme_sq.WORKBOOK)
        assert book.sheetnames == ["CASFEcode_final", "naming rule1", "naming rule2"]
        sheet = book["CASFEcode_final"]
        assert sheet["A1"].value == 1 and sheet["H1"].value.endswith("-expression")
        codes = book["naming rule2"]
        assert codes["A1"].value == "0101" and codes["A1"].data_type == "s"
        assert book["naming rule1"]["B1"].value == "s15"
    else:
        assert image.shape == (136, 256)  # grey, as the release
        sheet = load_workbook(release / samm_lv.WORKBOOK).active
        assert [c.value for c in sheet[10]] == list(samm_lv.HEADER)
        assert sheet["B11"].value == "006_1_1" and sheet["H11"].value in ("Micro - 1/2", "Macro")


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_byte_reproducible(tmp_path: Path) -> None:
    options = dict(layout="casme_sq", subjects=1, videos=1, minutes=0.1, seed=9, progress=False)
    generate_videos(tmp_path / "a", workers=2, **options)
    generate_videos(tmp_path / "b", workers=1, **options)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    _, plans = plan_videos(samm_lv.STATS, subjects=1, videos=1, minutes=0.1, seed=9)
    for name in ("c", "d"):
        samm_lv.write_workbook(tmp_path / f"{name}.xlsx", plans)
    assert (tmp_path / "c.xlsx").read_bytes() == (tmp_path / "d.xlsx").read_bytes()


def test_cli_writes_a_long_video_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    args = [str(out), "--layout", "casme_sq", "--subjects", "1", "--videos", "1"]
    assert main([*args, "--minutes", "0.1", "--seed", "2", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["layout"], summary["videos"], summary["subjects"]) == ("casme_sq", 2, 1)
    assert len(read_videos("casme_sq", out).videos) == 2
    assert main([*args]) == 2
    assert "not empty" in capsys.readouterr().err
