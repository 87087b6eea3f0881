"""The streaming renderer: one frame at a time; expressions and talking move their own part of
the face."""

from __future__ import annotations

import inspect

import numpy as np

from microexp.data.synthetic import casme_sq
from microexp.data.synthetic.actions import Move
from microexp.data.synthetic.long_plan import PlannedExpression, Talk, VideoPlan, plan_videos
from microexp.data.synthetic.long_render import stream_video

STATS = casme_sq.STATS


def _face():
    faces, _ = plan_videos(STATS, subjects=1, videos=1, minutes=0.2, seed=2)
    return faces[0]


def _plan(**what) -> VideoPlan:
    base = dict(subject_index=0, video_index=1, n_frames=40, seed=7, expressions=(), blinks=())
    return VideoPlan(**{**base, "talks": (), **what})


def _change(a: np.ndarray, b: np.ndarray, face, v0: float, v1: float) -> float:
    """Mean absolute difference of two frames in the face band ``v0..v1`` (face units)."""
    top, bottom = int(face.cy + v0 * face.b), int(face.cy + v1 * face.b)
    left, right = int(face.cx - 0.7 * face.a), int(face.cx + 0.7 * face.a)
    return float(
        np.abs(a[top:bottom, left:right].astype(np.float32) - b[top:bottom, left:right]).mean()
    )


def test_frames_come_one_at_a_time() -> None:
    face = _face()
    stream = stream_video(_plan(n_frames=100_000), face, STATS)
    assert inspect.isgenerator(stream)
    first = next(stream)
    assert first.shape == (STATS.canvas[1], STATS.canvas[0], 3) and first.dtype == np.uint8
    stream.close()


def test_talking_moves_the_mouth_and_an_expression_its_region() -> None:
    """Each video is compared with the same video (same head motion, flicker and noise)
    without the movement under test."""
    face = _face()
    plain = list(stream_video(_plan(), face, STATS))
    talk = _plan(talks=(Talk(start=10, length=30, rate=2.0, amplitude=3.0),))
    # frame index 17: 7 frames (0.23 s) into a 2-syllables-a-second stretch, the jaw wide open
    frame = list(stream_video(talk, face, STATS))[17]
    assert np.array_equal(frame[:40], plain[17][:40])  # above the face: nothing moved
    mouth, brows = (
        _change(frame, plain[17], face, 0.35, 1.0),
        _change(frame, plain[17], face, -0.6, -0.2),
    )
    assert mouth > 1.0 and brows < 0.1 * mouth
    surprise = PlannedExpression(
        onset=5,
        apex=20,
        offset=35,
        kind="macro",
        emotion="surprise",
        field="surprise",
        action_units="1+2",
        magnitude=3.0,
        sheet=(5, 20, 35),
        moves=tuple(Move(au, side, 1.0, 0.0, 0.0, 0.0, 1.0) for au in (1, 2) for side in "LR"),
    )
    frame = list(stream_video(_plan(expressions=(surprise,)), face, STATS))[19]
    brows, mouth = (
        _change(frame, plain[19], face, -0.7, -0.2),
        _change(frame, plain[19], face, 0.35, 1.0),
    )
    assert brows > 1.0 and mouth < 0.1 * brows
