"""The face crop, decided on the first frame and used for every frame (the streaming inference
then squares and resizes each crop as training does)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microexp.data.face import Box, FaceDetector, expand_box
from microexp.predict.errors import PredictError

#: A first frame whose width / height lies in this range (portrait or nearly square) ...
CROPPED_ASPECT = (0.6, 1.1)
#: ... and whose grown face box covers at least this fraction of it is already a face crop.
CROPPED_FACE_COVER = 0.4


@dataclass(frozen=True)
class CropChoice:
    """How every frame is cropped: ``box`` (None = the whole frame) and why."""

    box: Box | None
    face: Box | None  # the detected face, when detection ran
    reason: str


def choose_crop(
    image: np.ndarray,
    *,
    detect: bool = True,
    detector: FaceDetector | None = None,
    margin: float = 0.25,
    name: str = "the first frame",
) -> CropChoice:
    """The crop for every frame, decided on the first one (``image``, RGB uint8).

    The rule: with ``detect=False`` the whole frame. Otherwise the largest face found by the LBP
    frontal-face cascade that ships inside scikit-image (none: an error); its box grown by
    ``margin`` (:func:`~microexp.data.face.expand_box`, as training crops raw frames) is the
    crop, unless the frame is already a face crop: portrait or nearly square (width / height in
    ``CROPPED_ASPECT``) with the grown box covering at least ``CROPPED_FACE_COVER`` of it. Then
    the whole frame is used, as training used its cropped frames.

    Raises:
        PredictError: no face was found.
    """
    h, w = image.shape[:2]
    if not detect:
        return CropChoice(None, None, "whole frame (--no-face)")
    face = (detector or FaceDetector()).detect(image)
    if face is None:
        raise PredictError(
            f"no face found in {name} (the detector, scikit-image's LBP frontal-face cascade, "
            "needs an upright frontal face at least 15% of the frame's shorter side); if the "
            "frames are already cropped to the face, pass --no-face"
        )
    box = expand_box(face, image.shape, margin)
    cover = box.area / float(h * w)
    lo, hi = CROPPED_ASPECT
    if lo <= w / h <= hi and cover >= CROPPED_FACE_COVER:
        return CropChoice(
            None,
            face,
            f"whole frame: already a face crop (the face box covers {cover:.0%} of the "
            f"{w}x{h} frame)",
        )
    return CropChoice(
        box,
        face,
        f"face box x {box.x0}-{box.x1}, y {box.y0}-{box.y1} of the {w}x{h} frame, "
        "from the first frame",
    )


def crop_frame(image: np.ndarray, box: Box | None) -> np.ndarray:
    """The part of an RGB uint8 ``(H, W, 3)`` frame inside ``box`` (None: the whole frame)."""
    return image if box is None else image[box.y0 : box.y1, box.x0 : box.x1]
