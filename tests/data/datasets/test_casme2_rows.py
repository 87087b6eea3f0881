"""The per-row function: one sheet row plus the indexed frame tree -> a Clip or a Skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.data.datasets.casme2 import CASME2, subject_name
from microexp.data.datasets.folders import FrameTree, index_tree
from microexp.data.datasets.rows import RowLog, read_row
from microexp.data.datasets.sheets import SheetRow
from microexp.data.records import Clip, Skip
from tests.data.datasets.casme_fixture import SHEET, write_frames


@pytest.fixture
def frames(tmp_path: Path) -> FrameTree:
    write_frames(tmp_path / "Cropped" / "sub01" / "EP02_01f", range(46, 61))
    return index_tree(tmp_path / "Cropped", [], subject_name)


def _row(emotion: str, apex: object = 59, number: int = 2) -> SheetRow:
    values = {
        "subject": 1,
        "filename": "EP02_01f",
        "onset": 46,
        "apex": apex,
        "offset": 60,
        "action_units": "12",
        "emotion": emotion,
    }
    return SheetRow(row=number, values=values)


def test_good_row_is_a_clip(frames: FrameTree) -> None:
    log = RowLog()
    clip = read_row(
        _row("happiness"), frames, release=CASME2, sheet_name=SHEET, protocol="5", log=log
    )
    assert isinstance(clip, Clip)
    assert (clip.id, clip.onset, clip.apex, clip.offset) == ("sub01/EP02_01f", 46, 59, 60)
    assert (clip.emotion, clip.label, clip.action_units) == ("happiness", 0, "12")
    assert clip.frame_numbers == list(range(46, 61)) and clip.notes == []
    assert log.claimed == {("sub01", "EP02_01f")} and log.apex_midpoints == []


def test_unknown_emotion_is_a_skip_with_its_reason(frames: FrameTree) -> None:
    log = RowLog()
    skip = read_row(
        _row("boredom", number=7), frames, release=CASME2, sheet_name=SHEET, protocol="5", log=log
    )
    assert skip == Skip("sub01", "EP02_01f", f"{SHEET} row 7: unknown emotion 'boredom'")
    assert log.claimed == {("sub01", "EP02_01f")}  # the folder has its row, even if skipped


def test_second_row_of_an_episode_is_a_duplicate_and_midpoint_is_logged(
    frames: FrameTree,
) -> None:
    log = RowLog()
    first = read_row(
        _row("others", apex="/"), frames, release=CASME2, sheet_name=SHEET, protocol="5", log=log
    )
    assert isinstance(first, Clip) and first.apex == 53
    assert log.apex_midpoints == ["sub01/EP02_01f"]
    again = read_row(
        _row("others", number=3), frames, release=CASME2, sheet_name=SHEET, protocol="5", log=log
    )
    assert again == Skip("sub01", "EP02_01f", f"{SHEET} row 3: duplicate of row 2")
