"""Fixtures of the reader tests: a CASME II folder that plants each known quirk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.datasets.casme_fixture import SHEET, row, write_frames, write_sheet


@pytest.fixture
def quirky(tmp_path: Path) -> Path:
    """A dataset with one clip per quirk (and two ordinary ones)."""
    root = tmp_path / "CASME2"
    crop = root / "Cropped"
    rows = [
        row(1, "EP02_01f", 46, 59, 60, "happiness", "12"),  # ordinary
        row(1, "EP03_02", 98, 100, 102, "disgust", "4+9"),  # lexical-sort trap 98..102
        row(2, "EP01_01", 10, "/", 20, "repression", 17),  # apex '/'
        row(2, "EP05_05", 1, 3, 5, "surprise", "1+2"),  # no folder
        row(3, "EP07_01", 30, 35, 25, "others", "7"),  # offset < onset
        row(3, "EP08_02", 500, 510, 520, "others", "7"),  # interval outside the frames
        row(3, "EP08_03", 5, 12, 40, "happiness", "6+12"),  # partly outside: clamped
        row(4, "EP09_01", 1, 3, 6, "fear", "4+20"),  # not in the 5-class protocol
        row(4, "EP09_02", 1, 3, 6, "sadness", "15"),  # not in the 5-class protocol
        row(4, "EP10_01", 1, 4, 8, "Happiness ", "12"),  # case and spaces in the emotion
        row(5, "EP11_01", 1, 4, 8, "surprise", "1"),  # has a truncated JPEG
        row(5, "EP11_02", 1, 4, 8, "disgust", "9"),  # junk file in the folder
        row(5, "ep12_01 ", 1, 4, 8, "others", "14"),  # folder named EP12_01
        row(6, "EP13_01", "abc", 4, 8, "others", "14"),  # text in a frame column
    ]
    write_sheet(root / SHEET, rows)
    write_frames(crop / "sub01" / "EP02_01f", range(46, 61))
    write_frames(crop / "sub01" / "EP03_02", range(98, 103))
    write_frames(crop / "sub02" / "EP01_01", range(10, 21))
    write_frames(crop / "sub03" / "EP07_01", range(20, 40))
    write_frames(crop / "sub03" / "EP08_02", range(1, 30))
    write_frames(crop / "sub03" / "EP08_03", range(10, 31))
    write_frames(crop / "sub03" / "EP99_99", range(1, 10))  # folder with no row
    write_frames(crop / "sub04" / "EP09_01", range(1, 8))
    write_frames(crop / "sub04" / "EP09_02", range(1, 8))
    write_frames(crop / "sub04" / "EP10_01", range(1, 9))
    paths = write_frames(crop / "sub05" / "EP11_01", range(1, 9))
    data = paths[3].read_bytes()
    paths[3].write_bytes(data[: len(data) // 2])  # truncated JPEG: img4
    write_frames(crop / "sub05" / "EP11_02", range(1, 9))
    (crop / "sub05" / "EP11_02" / "Desktop - Shortcut.lnk").write_bytes(b"junk")
    (crop / "sub05" / "Thumbs.db").write_bytes(b"junk")
    write_frames(crop / "sub05" / "EP12_01", range(1, 9))
    write_frames(crop / "sub06" / "EP13_01", range(1, 9))
    return root


@pytest.fixture(scope="session")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each new release's synthetic layout (3 subjects x 3 clips), generated once."""
    from microexp.data.synthetic.releases import GENERATORS

    root = tmp_path_factory.mktemp("layouts")
    out = {}
    for name in ("samm", "smic", "casme", "casme3", "composite"):
        GENERATORS[name](root / name, subjects=3, clips=3, seed=1, workers=2, progress=False)
        out[name] = root / name
    return out
