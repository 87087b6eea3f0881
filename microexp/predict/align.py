"""Every frame's face for the network: tracked through the input and registered to the first
frame's face (:class:`~microexp.data.registration.Registrar`: head rotation and translation
removed, the face's own motion kept), or, with registration off, the first frame's fixed crop.
Frames where the face is lost keep the last good alignment and are counted, never fatal."""

from __future__ import annotations

from typing import Any

import numpy as np

from microexp.data.face import Box
from microexp.data.registration import Registrar
from microexp.predict.crop import CropChoice, choose_crop, crop_frame
from microexp.predict.errors import PredictError

#: Tried in this order: corners + RANSAC, then ECC for faces with too few corners.
METHODS = ("points", "ecc")


class Aligner:
    """Cuts the face out of each frame (RGB uint8, the first frame's size).

    Args:
        crop: the crop decided on the first frame (its box, or the whole frame).
        first: the first frame: the registration's reference.
        register: register every frame to the first (False: the fixed crop).
    """

    def __init__(self, crop: CropChoice, first: np.ndarray, register: bool = True) -> None:
        self.crop = crop
        self.shape = first.shape
        self.registrar: Registrar | None = None
        self.method = "off"
        self._largest = (0.0, 0.0)  # |rotation| in degrees, |translation| in pixels
        if not register:
            return
        h, w = first.shape[:2]
        whole = Box(0, 0, w, h)
        for method in METHODS:
            try:
                self.registrar = Registrar(
                    first, crop.face or whole, method=method, crop_box=crop.box or whole
                )
            except ValueError:  # a face too flat for corners: the next method
                continue
            self.method = method
            return

    def __call__(self, image: np.ndarray, number: int) -> np.ndarray:
        """The face of frame ``number``."""
        if image.shape != self.shape:
            raise PredictError(
                f"frame {number} is {image.shape[1]}x{image.shape[0]}, the first was "
                f"{self.shape[1]}x{self.shape[0]}: frames of one input must share their size"
            )
        if self.registrar is None:
            return crop_frame(image, self.crop.box)
        face, info = self.registrar.register(image)
        if info.status in ("ok", "reacquired"):
            shift = float(np.hypot(*info.shift))
            self._largest = (max(self._largest[0], abs(info.angle)), max(self._largest[1], shift))
        return face

    @property
    def lost_for(self) -> int:
        """Consecutive frames (up to now) in which the face was not found."""
        return self.registrar.stats.lost_for if self.registrar is not None else 0

    def notes(self) -> list[str]:
        """What went wrong while tracking the face (empty when nothing did)."""
        return self.registrar.stats.notes() if self.registrar is not None else []

    def describe(self) -> str:
        if self.registrar is None:
            return "off (one crop from the first frame)"
        s = self.registrar.stats
        angle, shift = self._largest
        return (
            f"every frame registered to the first ({self.method}, {self.registrar.motion}): "
            f"{s.fitted} of {s.frames} fitted, head motion up to {angle:.1f} deg and "
            f"{shift:.1f} px removed"
        )

    def summary(self) -> dict[str, Any]:
        """For ``intervals.json``."""
        out: dict[str, Any] = {"method": self.method, "text": self.describe()}
        if self.registrar is not None:
            s = self.registrar.stats
            out.update(
                motion=self.registrar.motion,
                frames=s.frames,
                fitted=s.fitted,
                lost=s.lost,
                gaps=s.gaps,
                longest_gap=s.longest_gap,
                reacquired=s.reacquired,
                duplicates=s.duplicates,
                largest_rotation_deg=round(self._largest[0], 3),
                largest_shift_px=round(self._largest[1], 3),
            )
        out["notes"] = self.notes()
        return out


def make_aligner(
    first: np.ndarray, *, detect: bool = True, register: bool = True, name: str = "the first frame"
) -> Aligner:
    """The crop of :func:`~microexp.predict.crop.choose_crop` on ``first``, registered.

    Raises:
        PredictError: no face was found in ``first``.
    """
    return Aligner(choose_crop(first, detect=detect, name=name), first, register)
