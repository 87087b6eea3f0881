"""Face detection with the LBP frontal-face cascade that ships inside scikit-image.

No model is downloaded: the cascade file is part of the installed ``scikit-image`` package. It
is a classic Viola-Jones-style detector: fast and dependable on frontal, upright, evenly lit
faces (as in CASME II's raw frames), weaker on profiles, strong rotations, occlusion and very
small faces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: ``x0 <= x < x1``, ``y0 <= y < y1``."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)


class FaceDetector:
    """Largest frontal face in an image, via ``skimage.feature.Cascade``.

    Args:
        work_width: images wider than this are downscaled before detection (speed).
        min_fraction: smallest face searched, as a fraction of the image's shorter side.
    """

    def __init__(self, work_width: int = 320, min_fraction: float = 0.15) -> None:
        from skimage.data import lbp_frontal_face_cascade_filename
        from skimage.feature import Cascade

        self._cascade = Cascade(lbp_frontal_face_cascade_filename())
        self.work_width = work_width
        self.min_fraction = min_fraction

    def detect(self, image: np.ndarray) -> Box | None:
        """The largest face in ``image`` (H, W, 3 RGB or H, W grey uint8), or None."""
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        h, w = grey.shape
        scale = min(1.0, self.work_width / float(w))
        if scale < 1.0:
            grey = cv2.resize(grey, (round(w * scale), round(h * scale)), cv2.INTER_AREA)
        gh, gw = grey.shape
        side = min(gh, gw)
        lo = max(20, int(side * self.min_fraction))
        found = self._cascade.detect_multi_scale(
            img=grey.astype(np.float64) / 255.0,
            scale_factor=1.15,
            step_ratio=1,
            min_size=(lo, lo),
            max_size=(side, side),
            min_neighbor_number=2,
        )
        if not found:
            return None
        best = max(found, key=lambda d: d["width"] * d["height"])
        inv = 1.0 / scale
        return Box(
            x0=int(best["c"] * inv),
            y0=int(best["r"] * inv),
            x1=int((best["c"] + best["width"]) * inv),
            y1=int((best["r"] + best["height"]) * inv),
        )


def expand_box(box: Box, image_shape: tuple[int, ...], margin: float = 0.25) -> Box:
    """Grow a face box by ``margin`` of its size on every side (more below, for the chin),
    make it square and clip it to the image."""
    h, w = image_shape[:2]
    cx = (box.x0 + box.x1) / 2.0
    cy = (box.y0 + box.y1) / 2.0 + 0.05 * box.height
    half = max(box.width, box.height) * (0.5 + margin)
    x0, x1 = int(round(cx - half)), int(round(cx + half))
    y0, y1 = int(round(cy - half)), int(round(cy + half))
    return Box(max(0, x0), max(0, y0), min(w, x1), min(h, y1))


def centre_square(image_shape: tuple[int, ...]) -> Box:
    """The largest centred square: the fallback crop when no face is found."""
    h, w = image_shape[:2]
    side = min(h, w)
    x0, y0 = (w - side) // 2, (h - side) // 2
    return Box(x0, y0, x0 + side, y0 + side)
