"""Frame loading: decode, crop, square keeping the aspect, resize, RGB uint8 (T, 3, H, W)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from microexp.data.face import Box, FaceDetector
from microexp.data.frames import FrameReadError, load_frames, read_rgb, to_square
from microexp.data.synthetic import generate


def test_shape_dtype_and_colour_order(tmp_path: Path) -> None:
    img = np.zeros((40, 30, 3), np.uint8)
    img[..., 2] = 200  # red in BGR
    cv2.imwrite(str(tmp_path / "a1.png"), img)
    cv2.imwrite(str(tmp_path / "a2.png"), img)
    out = load_frames([tmp_path / "a1.png", tmp_path / "a2.png"], 16)
    assert out.frames.shape == (2, 3, 16, 16) and out.frames.dtype == torch.uint8
    assert out.frames[:, 0].float().mean() == pytest.approx(200, abs=1)  # RGB: red first
    assert out.frames[:, 2].float().mean() == pytest.approx(0, abs=1)


def test_grey_and_mixed_sizes(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "g1.png"), np.full((20, 20), 90, np.uint8))
    cv2.imwrite(str(tmp_path / "g2.png"), np.full((30, 25, 3), 90, np.uint8))
    out = load_frames([tmp_path / "g1.png", tmp_path / "g2.png"], 8)
    assert out.frames.shape == (2, 3, 8, 8)
    assert any("different sizes" in n for n in out.notes)


def test_unreadable_frame_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "img3.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(FrameReadError, match="img3.jpg"):
        read_rgb(bad)
    with pytest.raises(FrameReadError, match="img3.jpg"):
        load_frames([bad], 8)


def test_fixed_box_crop(tmp_path: Path) -> None:
    img = np.zeros((20, 20, 3), np.uint8)
    img[5:10, 5:10] = 255
    cv2.imwrite(str(tmp_path / "c.png"), img)
    out = load_frames([tmp_path / "c.png"], 5, crop=Box(5, 5, 10, 10))
    assert out.frames.float().mean() > 250


def test_face_crop_on_raw_frames(tmp_path: Path) -> None:
    generate(tmp_path / "s", subjects=1, clips=1, seed=0, trees="raw", workers=1, progress=False)
    frames = sorted((tmp_path / "s" / "CASME2_RAW_selected" / "sub01").glob("*/img*.jpg"))[:3]
    out = load_frames(frames, 64, crop="face", detector=FaceDetector())
    assert out.crop is not None and out.notes == []
    assert 150 < out.crop.width < 480  # a face, not the whole 640x480 frame
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((100, 160, 3), 128, np.uint8))
    out = load_frames([blank], 32, crop="face")
    assert out.crop == Box(30, 0, 130, 100) and "no face found" in out.notes[0]


def _disc(height: int, width: int) -> np.ndarray:
    """A white disc of radius 100 centred in a black ``height x width`` image."""
    img = np.zeros((height, width), np.uint8)
    cv2.circle(img, (width // 2, height // 2), 100, 255, -1)
    return img


@pytest.mark.parametrize("square", ["crop", "pad"])
def test_a_face_keeps_its_aspect(square: str) -> None:
    """A 280 x 340 crop (CASME II's) squared then resized: a disc stays a disc (squashing it
    made an ellipse 1.2 times wider than high)."""
    out = to_square(_disc(340, 280), 64, square)
    assert out.shape == (64, 64)
    ys, xs = np.nonzero(out > 127)
    width, height = np.ptp(xs) + 1, np.ptp(ys) + 1
    assert abs(width - height) <= 1, (width, height)
    side = 280 if square == "crop" else 340
    assert width == pytest.approx(200 * 64 / side, abs=1.5)
    squashed = cv2.resize(_disc(340, 280), (64, 64), interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(squashed > 127)
    assert (np.ptp(xs) + 1) / (np.ptp(ys) + 1) > 1.15
    if square == "pad":
        assert out[:, :3].max() == 0  # black bars on the short side
    with pytest.raises(ValueError, match="square must be"):
        to_square(out, 32, "stretch")


def test_square_images_resize_as_before(tmp_path: Path) -> None:
    img = np.random.default_rng(0).integers(0, 255, (50, 50, 3), np.uint8)
    for square in ("crop", "pad"):
        np.testing.assert_array_equal(
            to_square(img, 20, square), cv2.resize(img, (20, 20), interpolation=cv2.INTER_AREA)
        )
    cv2.imwrite(str(tmp_path / "tall.png"), _disc(340, 280))
    tall = load_frames([tmp_path / "tall.png"], 64, square="pad").frames[0, 0].numpy()
    np.testing.assert_array_equal(tall, to_square(_disc(340, 280), 64, "pad"))
