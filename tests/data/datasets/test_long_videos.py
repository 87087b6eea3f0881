"""What the long-video readers share: frame folders listed by name, intervals fitted to the
frames found."""

from __future__ import annotations

from pathlib import Path

from microexp.data.datasets.long_videos import CLAMPED, Coding, Tally, fit, list_frames
from microexp.data.records import Expression
from tests.data.datasets.long_fixture import touch_frames


def test_frames_sort_by_number_whatever_the_padding(tmp_path: Path) -> None:
    touch_frames(tmp_path, ["img1.jpg", "img002.jpg", "img10.jpg", "img100.JPG", "img001.jpg"])
    touch_frames(tmp_path / "sub.jpg", [])  # a folder is not a frame
    (tmp_path / "Thumbs.db").write_bytes(b"x")
    (tmp_path / "cover.jpg").write_bytes(b"x")  # no number
    listed = list_frames(tmp_path)
    assert listed.numbers == [1, 2, 10, 100]
    assert [p.name for p in listed.frames] == [
        "img001.jpg",
        "img002.jpg",
        "img10.jpg",
        "img100.JPG",
    ]
    assert listed.duplicates == ["img1.jpg"] and listed.junk == [
        "Thumbs.db",
        "cover.jpg",
        "sub.jpg",
    ]


def test_fit_keeps_clamps_or_refuses() -> None:
    tally = Tally()
    coding = Coding("s15", "15_0101", 3, onset=5, apex=None, offset=9, kind="micro")
    e = fit(coding, 1, 100, tally)
    assert isinstance(e, Expression) and (e.onset, e.apex, e.offset) == (5, 7, 9)
    late = Coding("s15", "15_0101", 4, onset=None, apex=3, offset=120, kind="macro")
    e = fit(late, 2, 100, tally)
    assert isinstance(e, Expression) and (e.onset, e.apex, e.offset) == (2, 3, 100)
    assert fit(Coding("s15", "15_0101", 5, 101, 102, 103, "macro"), 1, 100, tally) == (
        "interval 101-103 lies outside the video's frames 1-100"
    )
    assert tally.kinds[CLAMPED] == ["s15/15_0101 row 4"]
    assert tally.notes()[0] == (
        "1 expression(s) without an apex: the onset-offset midpoint is used (s15/15_0101 row 3)"
    )
