"""Face registration: a stream of frames warped onto a reference frame's face (head motion
removed, the face's own motion kept), with the face tracked, lost and found again, and counted.

    registrar = Registrar(first_frame, FaceDetector().detect(first_frame))
    for frame in frames:
        crop, info = registrar.register(frame)   # info.status, info.matrix, info.correlation
    registrar.stats.notes()                       # frames lost, longest gap, duplicates, ...
"""

from microexp.data.registration.estimators import METHODS, FitError, Method
from microexp.data.registration.geometry import MOTIONS, Motion
from microexp.data.registration.records import (
    FrameRegistration,
    Status,
    TrackingPolicy,
    TrackingStats,
)
from microexp.data.registration.registrar import Registrar

__all__ = [
    "METHODS",
    "MOTIONS",
    "FitError",
    "FrameRegistration",
    "Method",
    "Motion",
    "Registrar",
    "Status",
    "TrackingPolicy",
    "TrackingStats",
]
