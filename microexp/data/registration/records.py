"""What registration says about each frame, the counts over a stream, and the tracking policy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from microexp.data.registration.geometry import angle_of, scale_of

#: ``ok``: fitted; ``reacquired``: fitted after the face detector found the face again;
#: ``lost``: the fit failed, the last good transform was used; ``duplicate``: the frame equals the
#: previous one, whose result is repeated.
Status = Literal["ok", "reacquired", "lost", "duplicate"]


@dataclass(frozen=True, eq=False)
class FrameRegistration:
    """One frame's registration.

    Attributes:
        index: the frame's number (the caller's, or a running count from 0).
        status: see :data:`Status`.
        matrix: 2x3, reference-frame pixel -> this frame's pixel: the transform applied.
        correlation: correlation (ECC, in [-1, 1]) of the registered face with the reference
            face over the face ellipse, at fitting resolution; NaN for a duplicate.
        reason: why the fit failed (empty unless ``status == "lost"``).
    """

    index: int
    status: Status
    matrix: np.ndarray
    correlation: float
    reason: str = ""

    @property
    def fallback(self) -> bool:
        """True when the fit failed and the last good transform was used."""
        return self.status == "lost"

    @property
    def angle(self) -> float:
        """Rotation, degrees (``cv2.getRotationMatrix2D``'s sign)."""
        return angle_of(self.matrix)

    @property
    def scale(self) -> float:
        return scale_of(self.matrix)

    @property
    def shift(self) -> tuple[float, float]:
        """Translation, pixels."""
        return float(self.matrix[0, 2]), float(self.matrix[1, 2])


@dataclass(frozen=True)
class TrackingPolicy:
    """When a fit counts as failed, when to look for the face again, when to refresh the
    reference.

    Attributes:
        min_correlation: a fit whose correlation is below this failed (occlusion, wrong face).
        min_inside: a fit that puts less than this fraction of the face box inside the frame
            failed (the face left the picture).
        scale_range: a fit whose scale (relative to the reference) is outside this failed.
        redetect_after: after this many consecutive failed frames the face detector is run
            (None: never) ...
        redetect_every: ... and again every this many failed frames while the face stays lost.
        refresh_every: None (default): the reference never changes. N: every N frames, when the
            frame's fit is good (``refresh_correlation``), the reference face is replaced by the
            registered current face. The output coordinates do not move (the new reference is
            already registered), but each refresh adds the registration error of that frame.
        refresh_correlation: the correlation a frame needs to become the reference.
    """

    min_correlation: float = 0.5
    min_inside: float = 0.6
    scale_range: tuple[float, float] = (0.5, 2.0)
    redetect_after: int | None = 3
    redetect_every: int = 5
    refresh_every: int | None = None
    refresh_correlation: float = 0.9

    def __post_init__(self) -> None:
        if (self.redetect_after is not None and self.redetect_after < 1) or (
            self.redetect_every < 1
        ):
            raise ValueError("redetect_after and redetect_every must be >= 1")
        if self.refresh_every is not None and self.refresh_every < 1:
            raise ValueError(f"refresh_every must be None or >= 1, got {self.refresh_every}")


@dataclass
class TrackingStats:
    """Counts over the frames registered so far."""

    frames: int = 0  # frames passed in
    fitted: int = 0  # ok or reacquired
    lost: int = 0  # fits that failed (the last good transform used)
    gaps: int = 0  # runs of consecutive lost frames
    longest_gap: int = 0
    duplicates: int = 0
    dropped: int = 0  # frames missing from the caller's numbering
    detections: int = 0  # face detector runs while the face was lost
    reacquired: int = 0
    refreshes: int = 0
    resets: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    _gap: int = field(default=0, init=False, repr=False)

    def record_lost(self, reason: str) -> None:
        self.lost += 1
        self.reasons[reason] += 1
        self._gap += 1
        if self._gap == 1:
            self.gaps += 1
        self.longest_gap = max(self.longest_gap, self._gap)

    def record_fitted(self) -> None:
        self.fitted += 1
        self._gap = 0

    @property
    def lost_for(self) -> int:
        """Consecutive lost frames up to now (0 while the face is tracked)."""
        return self._gap

    def notes(self) -> list[str]:
        """One line per thing that went wrong (empty when nothing did)."""
        out = []
        if self.lost:
            why = ", ".join(f"{n} {reason}" for reason, n in self.reasons.most_common())
            out.append(
                f"face lost in {self.lost} of {self.frames} frames ({self.gaps} gap(s), "
                f"longest {self.longest_gap} frames; {why}); the last good alignment was used"
            )
        if self.reacquired:
            out.append(
                f"face found again {self.reacquired} time(s) by the face detector "
                f"({self.detections} detector run(s))"
            )
        if self.duplicates:
            out.append(f"{self.duplicates} duplicated frame(s) (identical to the previous one)")
        if self.dropped:
            out.append(f"{self.dropped} frame(s) missing from the numbering (dropped)")
        if self.refreshes:
            out.append(f"reference face refreshed {self.refreshes} time(s)")
        if self.resets:
            out.append(f"reference frame reset {self.resets} time(s)")
        return out
