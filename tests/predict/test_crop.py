"""The face crop rule: the grown face box, or the whole frame when it is already a face crop."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.data.frames import to_square
from microexp.predict import PredictError
from microexp.predict.crop import choose_crop, crop_frame
from tests.predict.helpers import paste


def test_face_crop_rule(short_clip: list[np.ndarray]) -> None:
    face = short_clip[0]
    on_canvas, placed = paste(face)
    crop = choose_crop(on_canvas)
    assert crop.box is not None and crop.face is not None
    cx, cy = (crop.box.x0 + crop.box.x1) / 2, (crop.box.y0 + crop.box.y1) / 2
    assert placed.x0 < cx < placed.x1 and placed.y0 < cy < placed.y1
    assert crop.box.area > crop.face.area  # the face box grown by the margin
    # an already-cropped face (portrait, face filling it) is used whole
    whole = choose_crop(face)
    assert whole.box is None and whole.face is not None and "already a face crop" in whole.reason
    assert choose_crop(on_canvas, detect=False).box is None
    with pytest.raises(PredictError, match="no face found.*--no-face"):
        choose_crop(np.full((240, 320, 3), 128, np.uint8))


def test_crop_frame_cuts_the_box(short_clip: list[np.ndarray]) -> None:
    on_canvas, placed = paste(short_clip[0])
    np.testing.assert_array_equal(crop_frame(on_canvas, placed), short_clip[0])
    assert crop_frame(on_canvas, None) is on_canvas
    # the face is not square: squared without squashing, as training squares it
    face = crop_frame(on_canvas, placed)
    assert face.shape[0] != face.shape[1] and to_square(face, 64).shape == (64, 64, 3)
