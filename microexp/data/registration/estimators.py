"""Fit the motion between the reference face and the current one, both grey ``uint8`` crops of the
same size in reference coordinates (the current crop already warped by the previous frame's
transform, so only a small residual motion is left to find).

Each estimator returns the 2x3 matrix mapping reference-crop pixels to current-crop pixels, or
raises :class:`FitError` naming why it could not.

- :class:`PointFit`: corners of the reference face tracked by pyramidal Lucas-Kanade, a RANSAC
  fit, then trimmed least squares (points further than 2.5 robust sigmas dropped, three rounds).
  Local motion (an expression) is left out as outliers: the default.
- :class:`EccFit`: OpenCV's ECC over the face ellipse (area-based, needs no corners). A
  least-squares fit over every pixel, so it absorbs part of a large local motion.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from microexp.data.registration.geometry import (
    Motion,
    apply,
    fit_motion,
    identity,
    nearest_similarity,
)

Method = Literal["points", "ecc", "none"]
METHODS: tuple[Method, ...] = ("points", "ecc", "none")


class FitError(Exception):
    """The motion could not be fitted; the message is the reason, counted by the caller."""


class PointFit:
    """Lucas-Kanade points + RANSAC + trimmed least squares.

    Args:
        reference: the reference face, grey uint8, at fitting resolution.
        mask: where to pick corners (uint8, non-zero inside the face).
        motion: the model fitted.
        threshold: RANSAC inlier distance, pixels at fitting resolution.
        min_points: fewer tracked or inlying points than this is a failed fit.

    Raises:
        ValueError: the reference has fewer than ``min_points`` corners to track.
    """

    def __init__(
        self,
        reference: np.ndarray,
        mask: np.ndarray,
        motion: Motion,
        *,
        max_points: int = 200,
        window: int = 15,
        levels: int = 2,
        threshold: float = 1.0,
        min_points: int = 8,
    ) -> None:
        self.reference = reference
        self.motion = motion
        self.threshold = threshold
        self.min_points = min_points
        self._lk = {
            "winSize": (window, window),
            "maxLevel": levels,
            "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01),
        }
        # strong corners (eyes, brows, nostrils, lips) track best; weaker ones only if needed
        found = None
        for quality in (0.01, 0.001):
            found = cv2.goodFeaturesToTrack(reference, max_points, quality, 4, mask=mask)
            if found is not None and len(found) >= 4 * min_points:
                break
        self.points = (
            np.zeros((0, 2), np.float32) if found is None else found.reshape(-1, 2)
        ).astype(np.float32)
        if len(self.points) < min_points:
            raise ValueError(
                f"the reference face has {len(self.points)} trackable corners (< {min_points}): "
                "too flat or too small; use method='ecc'"
            )

    def estimate(self, current: np.ndarray) -> np.ndarray:
        found, status, _ = cv2.calcOpticalFlowPyrLK(
            self.reference, current, self.points, None, **self._lk
        )
        ok = status.reshape(-1) == 1
        if ok.sum() < self.min_points:
            raise FitError("too few points tracked")
        src = self.points[ok].astype(np.float64)
        dst = found.reshape(-1, 2)[ok].astype(np.float64)
        keep = self._ransac(src, dst)
        m = identity()
        for _ in range(3):
            if keep.sum() < self.min_points:
                raise FitError("too few points agree on one motion")
            m = fit_motion(src[keep], dst[keep], self.motion)
            err = np.linalg.norm(apply(m, src) - dst, axis=1)
            sigma = max(0.1, 1.4826 * float(np.median(err[keep])))
            keep = err < 2.5 * sigma
        return m

    def _ransac(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        if self.motion == "translation":
            shift = dst - src
            return np.linalg.norm(shift - np.median(shift, axis=0), axis=1) < self.threshold
        fit = cv2.estimateAffinePartial2D if self.motion == "similarity" else cv2.estimateAffine2D
        m, inliers = fit(src, dst, method=cv2.RANSAC, ransacReprojThreshold=self.threshold)
        if m is None:
            raise FitError("no motion fits the tracked points")
        return inliers.reshape(-1).astype(bool)


class EccFit:
    """OpenCV's ECC (``cv2.findTransformECC``) over the face ellipse ``mask``; a similarity is
    the affine fit projected on the nearest similarity about the crop's centre."""

    _MOTION = {
        "translation": cv2.MOTION_TRANSLATION,
        "similarity": cv2.MOTION_AFFINE,
        "affine": cv2.MOTION_AFFINE,
    }

    def __init__(
        self, reference: np.ndarray, mask: np.ndarray, motion: Motion, *, blur: int = 5
    ) -> None:
        self.reference = reference
        self.mask = mask
        self.motion = motion
        self.blur = blur
        self._criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)

    def estimate(self, current: np.ndarray) -> np.ndarray:
        try:
            _, m = cv2.findTransformECC(
                self.reference,
                current,
                identity().astype(np.float32),
                self._MOTION[self.motion],
                self._criteria,
                self.mask,
                self.blur,
            )
        except cv2.error as err:  # ECC raises when it diverges
            raise FitError("ECC did not converge") from err
        m = m.astype(np.float64)
        if self.motion == "similarity":
            h, w = self.reference.shape
            m = nearest_similarity(m, ((w - 1) / 2.0, (h - 1) / 2.0))
        return m
