"""Streaming face registration: each frame warped onto the reference frame's face, so that a head
that turns or moves leaves no motion in the crops (only the face's own, local motion).

Each frame's face is cut out with the previous good transform at ``fit_size``, the residual motion
is fitted against the reference itself (never chained frame to frame), and the crop is warped out
of the full frame. A failed fit (:class:`TrackingPolicy`) keeps the last good transform and counts
the frame as lost; after a few lost frames the face detector looks for the face again. The
reference changes only by ``refresh_every`` or :meth:`Registrar.reset`.
"""

from __future__ import annotations

import cv2
import numpy as np

from microexp.data.face import Box, FaceDetector, expand_box
from microexp.data.frames import to_square
from microexp.data.registration.estimators import (
    METHODS,
    EccFit,
    FitError,
    Method,
    PointFit,
)
from microexp.data.registration.geometry import (
    MOTIONS,
    Motion,
    box_to_box,
    compose,
    identity,
    inside_fraction,
    invert,
    scale_of,
)
from microexp.data.registration.records import (
    FrameRegistration,
    Status,
    TrackingPolicy,
    TrackingStats,
)

_WARP = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP


class Registrar:
    """Register a stream of frames to a reference frame.

    Args:
        reference: the reference frame, RGB ``(H, W, 3)`` or grey ``(H, W)`` uint8.
        face_box: the face in ``reference`` (e.g. :class:`~microexp.data.face.FaceDetector`'s).
        method: ``points`` (Lucas-Kanade + RANSAC, the default), ``ecc`` or ``none`` (the fixed
            crop, as without registration).
        motion: ``similarity`` (rotation, scale, translation), ``affine`` or ``translation``.
        size: side of the square crop returned; None: the grown face box's own size.
        margin: how much the face box is grown for the crop (:func:`expand_box`).
        crop_box: the part of the reference frame each crop shows (default: the face box grown
            by ``margin``), e.g. the whole frame for frames already cropped to the face.
        fit_size: the face box's longer side, in pixels, at which motion is fitted.
        policy: when a fit fails, when to look for the face again, when to refresh.
        detector: finds the face again after it was lost (default: a
            :class:`~microexp.data.face.FaceDetector`, made when first needed).
    """

    def __init__(
        self,
        reference: np.ndarray,
        face_box: Box,
        *,
        method: Method = "points",
        motion: Motion = "similarity",
        size: int | None = None,
        margin: float = 0.25,
        crop_box: Box | None = None,
        fit_size: int = 160,
        policy: TrackingPolicy | None = None,
        detector: FaceDetector | None = None,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown registration method {method!r}; expected one of {METHODS}")
        if motion not in MOTIONS:
            raise ValueError(f"unknown motion {motion!r}; expected one of {MOTIONS}")
        if size is not None and size < 1:
            raise ValueError(f"size must be None or >= 1, got {size}")
        self.method = method
        self.motion = motion
        self.size = size
        self.margin = margin
        self._crop_box = crop_box
        self.fit_size = fit_size
        self.policy = policy or TrackingPolicy()
        self.stats = TrackingStats()
        self._detector = detector
        self._set_reference(reference, face_box)

    @property
    def matrix(self) -> np.ndarray:
        """The last good transform (reference pixel -> frame pixel)."""
        return self._matrix.copy()

    def reset(self, reference: np.ndarray, face_box: Box) -> None:
        """Start again from a new reference frame (new output coordinates; counted)."""
        self._set_reference(reference, face_box)
        self.stats.resets += 1

    def register(
        self, frame: np.ndarray, index: int | None = None
    ) -> tuple[np.ndarray, FrameRegistration]:
        """The registered face crop of ``frame`` and what registration did.

        Args:
            frame: the same layout and size as the reference frame.
            index: the frame's number in the stream (gaps are counted as dropped frames);
                None: the previous number plus one.

        Raises:
            ValueError: ``frame`` is not an image of the reference's size, or ``index`` does
                not increase.
        """
        self._check_frame(frame)
        index = self._next_index(index)
        self.stats.frames += 1
        last = self._last
        if last is not None and np.array_equal(frame, last[0]):
            self.stats.duplicates += 1
            return last[1].copy(), FrameRegistration(
                index, "duplicate", last[2].matrix, last[2].correlation
            )
        matrix, correlation, status, reason = self._track(frame)
        crop = self._crop(frame, matrix)
        info = FrameRegistration(index, status, matrix.copy(), correlation, reason)
        self._last = (frame.copy(), crop, info)
        return crop, info

    # ------------------------------------------------------------------ reference

    def _set_reference(self, reference: np.ndarray, face_box: Box) -> None:
        if not isinstance(reference, np.ndarray) or reference.dtype != np.uint8:
            raise ValueError("the reference frame must be a uint8 numpy image")
        if reference.ndim not in (2, 3):
            raise ValueError(f"the reference frame must be (H, W) or (H, W, 3): {reference.shape}")
        h, w = reference.shape[:2]
        b = face_box
        if b.width < 8 or b.height < 8 or b.x0 < 0 or b.y0 < 0 or b.x1 > w or b.y1 > h:
            raise ValueError(f"face box {b} is smaller than 8 px or leaves the {w}x{h} frame")
        self.face_box = face_box
        self.crop_box = self._crop_box or expand_box(face_box, reference.shape, self.margin)
        s = min(1.0, self.fit_size / max(face_box.width, face_box.height))
        fw, fh = max(8, round(face_box.width * s)), max(8, round(face_box.height * s))
        self._fit_shape = (fw, fh)
        # fitting-crop pixel -> reference pixel
        self._to_reference = np.array(
            [[face_box.width / fw, 0.0, face_box.x0], [0.0, face_box.height / fh, face_box.y0]]
        )
        self._mask = np.zeros((fh, fw), np.uint8)
        cv2.ellipse(
            self._mask, (fw // 2, fh // 2), (int(0.425 * fw), int(0.425 * fh)), 0, 0, 360, 255, -1
        )
        self._shape = reference.shape
        self._matrix = identity()
        self._index = -1
        self._since_refresh = 0
        self._last: tuple[np.ndarray, np.ndarray, FrameRegistration] | None = None
        self._set_template(self._fit_crop(reference, self._matrix))

    def _set_template(self, template: np.ndarray) -> None:
        self._template = template
        if self.method == "points":
            self._estimator: PointFit | EccFit | None = PointFit(template, self._mask, self.motion)
        elif self.method == "ecc":
            self._estimator = EccFit(template, self._mask, self.motion)
        else:
            self._estimator = None

    # ------------------------------------------------------------------ tracking

    def _track(self, frame: np.ndarray) -> tuple[np.ndarray, float, Status, str]:
        """The transform to apply, its correlation, the status and why a fit failed."""
        if self._estimator is None:
            return self._matrix, self._correlation(frame, self._matrix), "ok", ""
        status: Status = "ok"
        try:
            matrix, correlation = self._fit(frame, self._matrix)
        except FitError as err:
            found = self._reacquire(frame)
            if found is None:
                self.stats.record_lost(str(err))
                return self._matrix, self._correlation(frame, self._matrix), "lost", str(err)
            matrix, correlation = found
            status = "reacquired"
        self._matrix = matrix
        self.stats.record_fitted()
        self._refresh(frame, correlation)
        return matrix, correlation, status, ""

    def _fit(
        self, frame: np.ndarray, start: np.ndarray, rounds: int = 1
    ) -> tuple[np.ndarray, float]:
        """Fit from ``start``; raise :class:`FitError` when the fit fails the policy."""
        assert self._estimator is not None
        matrix = start
        for _ in range(rounds):
            current = self._fit_crop(frame, matrix)
            delta = self._estimator.estimate(current)
            matrix = compose(matrix, self._to_reference, delta, invert(self._to_reference))
        lo, hi = self.policy.scale_range
        if not lo <= scale_of(matrix) <= hi:
            raise FitError("implausible scale")
        if inside_fraction(matrix, self.face_box, frame.shape) < self.policy.min_inside:
            raise FitError("face outside the frame")
        # the face registered: the last crop warped by its residual motion (cheaper than again
        # from the frame)
        registered = cv2.warpAffine(current, delta, self._fit_shape, flags=_WARP)
        correlation = float(cv2.computeECC(self._template, registered, self._mask))
        if not correlation >= self.policy.min_correlation:
            raise FitError("low correlation with the reference face")
        return matrix, correlation

    def _reacquire(self, frame: np.ndarray) -> tuple[np.ndarray, float] | None:
        """Run the face detector when the policy says so, and fit from the box it finds."""
        after, every = self.policy.redetect_after, self.policy.redetect_every
        lost_for = self.stats.lost_for + 1  # counting this frame
        if after is None or lost_for < after or (lost_for - after) % every:
            return None
        if self._detector is None:
            self._detector = FaceDetector()
        self.stats.detections += 1
        box = self._detector.detect(frame)
        if box is None:
            return None
        try:
            found = self._fit(frame, box_to_box(self.face_box, box), rounds=2)
        except FitError:
            return None
        self.stats.reacquired += 1
        return found

    def _refresh(self, frame: np.ndarray, correlation: float) -> None:
        every = self.policy.refresh_every
        if every is None:
            return
        self._since_refresh += 1
        if self._since_refresh < every or correlation < self.policy.refresh_correlation:
            return
        try:
            self._set_template(self._fit_crop(frame, self._matrix))
        except ValueError:  # too few corners on this frame's face: keep the old reference
            return
        self._since_refresh = 0
        self.stats.refreshes += 1

    # ------------------------------------------------------------------ pixels

    def _fit_crop(self, frame: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """The face box of ``frame`` at fitting resolution, grey, warped by ``matrix``."""
        m = compose(matrix, self._to_reference)
        crop = cv2.warpAffine(frame, m, self._fit_shape, flags=_WARP)
        return crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)

    def _correlation(self, frame: np.ndarray, matrix: np.ndarray) -> float:
        current = self._fit_crop(frame, matrix)
        return float(cv2.computeECC(self._template, current, self._mask))

    def _crop(self, frame: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        b = self.crop_box
        m = compose(matrix, np.array([[1.0, 0.0, b.x0], [0.0, 1.0, b.y0]]))
        crop = cv2.warpAffine(
            frame, m, (b.width, b.height), flags=_WARP, borderMode=cv2.BORDER_REPLICATE
        )
        return crop if self.size is None else to_square(crop, self.size)

    # ------------------------------------------------------------------ stream

    def _check_frame(self, frame: np.ndarray) -> None:
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
            raise ValueError(f"a frame must be a uint8 numpy image, got {type(frame).__name__}")
        if frame.shape != self._shape:
            raise ValueError(
                f"frame of shape {frame.shape} but the reference is {self._shape}: the stream "
                "changed size or layout (call reset() with a new reference)"
            )

    def _next_index(self, index: int | None) -> int:
        if index is None:
            index = self._index + 1
        elif index <= self._index:
            raise ValueError(f"frame numbers must increase: {index} after {self._index}")
        elif self._index >= 0:
            self.stats.dropped += index - self._index - 1
        self._index = index
        return index
