"""Frame loading: decode with OpenCV, crop (raw frames), square the face keeping its aspect,
resize; RGB uint8 ``(T, 3, H, W)``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from microexp.data.face import Box, FaceDetector, centre_square, expand_box

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})


def natural_key(text: str) -> list[Any]:
    """Sort key treating digit runs as numbers: sub2 < sub10, img98 < img100."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


def natural_sorted(items: Iterable[str]) -> list[str]:
    """``sorted`` with :func:`natural_key`."""
    return sorted(items, key=natural_key)


class FrameReadError(RuntimeError):
    """A frame could not be decoded; the message names the file."""

    def __init__(self, path: Path, reason: str = "cannot be decoded") -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class LoadedFrames:
    """Decoded frames of one clip and what was noticed while decoding them."""

    frames: torch.Tensor  # (T, 3, size, size) uint8
    crop: Box | None
    notes: list[str] = field(default_factory=list)


def read_rgb(path: Path) -> np.ndarray:
    """Decode one image as RGB uint8 ``(H, W, 3)``; grey images are expanded to 3 channels."""
    data = np.fromfile(str(path), dtype=np.uint8) if Path(path).is_file() else None
    image = None if data is None or data.size == 0 else cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise FrameReadError(Path(path))
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


SQUARE_MODES = ("crop", "pad")


def to_square(image: np.ndarray, size: int, square: str = "crop") -> np.ndarray:
    """A ``size x size`` image that keeps the aspect of ``image`` (``(H, W)`` or ``(H, W, C)``).

    ``square="crop"`` cuts the centred square (the longer side loses its ends), ``"pad"`` adds
    black bars to the shorter side; the square is then resized (area interpolation when
    shrinking, cubic when enlarging). Every frame path (data store, inference, registration)
    goes through this function, so a face is never squashed.
    """
    if square not in SQUARE_MODES:
        raise ValueError(f"square must be one of {SQUARE_MODES}, not {square!r}")
    h, w = image.shape[:2]
    if h != w and square == "crop":
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        image = image[y0 : y0 + side, x0 : x0 + side]
    elif h != w:
        side = max(h, w)
        top, left = (side - h) // 2, (side - w) // 2
        image = cv2.copyMakeBorder(
            image, top, side - h - top, left, side - w - left, cv2.BORDER_CONSTANT, value=0
        )
    side = image.shape[0]
    interp = cv2.INTER_AREA if size < side else cv2.INTER_CUBIC
    return cv2.resize(image, (size, size), interpolation=interp)


def face_box(image: np.ndarray, detector: FaceDetector | None = None, margin: float = 0.25):
    """The crop box for a raw frame: the largest face grown by ``margin``, or None."""
    detector = detector or FaceDetector()
    box = detector.detect(image)
    return None if box is None else expand_box(box, image.shape, margin)


def load_frames(
    paths: Sequence[Path],
    size: int = 64,
    *,
    crop: str | Box | None = None,
    detector: FaceDetector | None = None,
    margin: float = 0.25,
    square: str = "crop",
) -> LoadedFrames:
    """Load a clip's frames as one ``(T, 3, size, size)`` uint8 tensor.

    Args:
        paths: the frame files, in order.
        size: output side in pixels.
        crop: None (use the whole frame), ``"face"`` (detect the largest face on the first frame
            and use that box for every frame; the centre square if no face is found, with a
            note), or a fixed :class:`Box`.
        detector: a face detector to reuse across clips.
        margin: the face box is grown by this fraction of its size.
        square: how a frame (or its crop) that is not square becomes one (:func:`to_square`).

    Raises:
        FrameReadError: a frame cannot be decoded (the message names it).
    """
    if not paths:
        raise ValueError("no frames to load")
    notes: list[str] = []
    out = np.empty((len(paths), size, size, 3), dtype=np.uint8)
    box: Box | None = crop if isinstance(crop, Box) else None
    first_shape: tuple[int, ...] | None = None
    mixed = False
    for i, path in enumerate(paths):
        image = read_rgb(path)
        if first_shape is None:
            first_shape = image.shape
            if crop == "face":
                box = face_box(image, detector, margin)
                if box is None:
                    box = centre_square(image.shape)
                    notes.append(f"no face found in {Path(path).name}: centre crop used")
        elif image.shape != first_shape:
            mixed = True
        if box is not None:
            image = image[box.y0 : box.y1, box.x0 : box.x1]
            if image.size == 0:
                raise FrameReadError(Path(path), f"crop box {box} lies outside the image")
        out[i] = to_square(image, size, square)
    if mixed:
        notes.append("frames of different sizes: each resized on its own")
    frames = torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()
    return LoadedFrames(frames=frames, crop=box, notes=notes)
