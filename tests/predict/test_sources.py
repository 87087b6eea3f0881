"""Frame numbers of a folder of frames."""

from __future__ import annotations

from microexp.predict.sources import frame_numbers_from_names


def test_numbers_from_names_or_positions() -> None:
    assert frame_numbers_from_names(["img46.jpg", "img47.jpg", "img100.jpg"]) == [46, 47, 100]
    assert frame_numbers_from_names(["a.png", "b3.png"]) == [0, 1]  # not every name has one
    assert frame_numbers_from_names(["f5.png", "f5b2.png", "f4.png"]) == [0, 1, 2]  # not rising
