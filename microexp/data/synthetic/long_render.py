"""Render a planned long video one frame at a time (never the whole video in memory): the
subject's face (``face.draw_face``) moved by each expression's field (``motion``) along its
intensity curve, by talking (the jaw opening and closing) and by slow head motion, with blinks,
lighting flicker and sensor noise; each frame is composed as the short clips' frames are
(``render.compose_frame``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from microexp.data.synthetic.face import FaceParams, draw_face, face_point, skin_texture
from microexp.data.synthetic.long_plan import PlannedExpression, ReleaseStats, VideoPlan
from microexp.data.synthetic.motion import (
    REF_SIZE,
    Distractors,
    expression_field,
    intensity_curve,
)
from microexp.data.synthetic.render import FaceGrid, compose_frame, expression_crease

# Talking moves the jaw and the lower lip down and lifts the upper lip a little: (u, v) centre
# in face coordinates, sigma in face half-widths, direction (x, y), weight, as motion's AU bumps.
_TALK: tuple[tuple[float, float, float, float, float, float], ...] = (
    (0.0, 0.62, 0.16, 0.0, 1.0, 1.0),
    (0.0, 0.88, 0.24, 0.0, 1.0, 0.8),
    (0.0, 0.44, 0.09, 0.0, -1.0, 0.3),
)


def talk_field(p: FaceParams, peak: float) -> tuple[np.ndarray, np.ndarray]:
    """The jaw-opening displacement (dx, dy), ``peak`` render pixels at its largest."""
    ys, xs = np.mgrid[0 : p.height, 0 : p.width].astype(np.float32)
    dx = np.zeros_like(xs)
    dy = np.zeros_like(xs)
    for u, v, sigma, ux, uy, w in _TALK:
        cx, cy = face_point(p, u, v)
        s = sigma * p.a
        g = w * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * s * s))
        dx += ux * g
        dy += uy * g
    scale = peak / max(float(np.sqrt(dx * dx + dy * dy).max()), 1e-6)
    return dx * scale, dy * scale


def blink_openness(t: float) -> float:
    """Eye openness ``t`` of the way through a blink (the short clips' blink shape)."""
    return 1.0 - math.sin(math.pi * t) ** 0.7


@dataclass
class _Active:
    """An expression on screen: its intensity over its frames, its field and crease."""

    first: int
    curve: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    crease: np.ndarray


class _Head:
    """Slow head motion: translation (render pixels) and rotation (radians) per frame, each a
    sum of two slow sinusoids, at rest on the first frame."""

    def __init__(self, rng: np.random.Generator, px: float, fps: float) -> None:
        d = Distractors()
        amp = (
            rng.uniform(1.0, 3.0) * d.drift * px,
            rng.uniform(0.6, 1.8) * d.drift * px,
            np.deg2rad(rng.uniform(1.0, 3.0) * d.rotation),
        )
        freq = np.stack([rng.uniform(0.02, 0.15, 3), rng.uniform(0.15, 0.5, 3)]) / fps
        phase = rng.uniform(0, 2 * np.pi, size=(2, 3))
        self._amp, self._freq, self._phase = np.array(amp), freq, phase
        self._rest = self._at(0)

    def _at(self, i: int) -> np.ndarray:
        waves = np.sin(2 * np.pi * self._freq * i + self._phase)
        return self._amp * (waves[0] + 0.5 * waves[1])

    def at(self, i: int) -> tuple[float, float, float]:
        """``(rotation, tx, ty)`` on frame index ``i`` (0-based)."""
        tx, ty, rot = self._at(i) - self._rest
        return float(rot), float(tx), float(ty)


def stream_video(plan: VideoPlan, face: FaceParams, stats: ReleaseStats) -> Iterator[np.ndarray]:
    """The video's frames in order, RGB uint8 ``(H, W, 3)``, one at a time."""
    rng = np.random.default_rng(plan.seed)
    px = stats.face_width / REF_SIZE  # render pixels per pixel at 64x64
    texture = skin_texture(face)
    base = draw_face(face, 1.0, texture)
    grid = FaceGrid.of(face)
    talk_dx, talk_dy = talk_field(face, px)
    head = _Head(rng, px, stats.fps)
    d = Distractors()
    gain0 = rng.uniform(0.9, 1.1)
    flicker = (rng.uniform(0.25, 1.0) * d.flicker, rng.uniform(2.0, 8.0) * stats.fps)
    flicker_phase = rng.uniform(0, 2 * np.pi)
    noise_sigma = rng.uniform(0.4, 1.0) * d.noise
    cv2.setRNGSeed(plan.seed % (2**31 - 1))
    noise = np.empty((face.height, face.width, 3), np.float32)
    pending = list(plan.expressions)
    active: list[_Active] = []
    for i in range(plan.n_frames):
        number = i + 1
        while pending and pending[0].onset <= number:
            active.append(_activate(pending.pop(0), face, px))
        active = [a for a in active if number < a.first + len(a.curve)]
        shift_x, shift_y, shade = _expression_shift(active, number)
        talk = _talk_value(plan, number, stats.fps) * px
        if talk > 0:
            shift_x, shift_y = shift_x + talk * talk_dx, shift_y + talk * talk_dy
        openness = _openness(plan, number)
        img = base if openness > 0.999 else draw_face(face, openness, texture)
        gain = gain0 * (1 + flicker[0] * math.sin(2 * math.pi * i / flicker[1] + flicker_phase))
        cv2.randn(noise, 0.0, noise_sigma)
        yield compose_frame(img, grid, (shift_x, shift_y), head.at(i), gain, noise, shade)


def _activate(e: PlannedExpression, face: FaceParams, px: float) -> _Active:
    """The expression's field (scaled so that ``magnitude`` is in pixels at 64x64 of the face
    crop, not of the whole frame) and its intensity from its first visible frame on."""
    magnitude = e.magnitude * px * REF_SIZE / face.width
    dx, dy = expression_field(face, e.moves, magnitude)
    first = max(e.onset, 1)
    curve = intensity_curve(np.arange(first, e.offset + 1), e.onset, e.apex, e.offset)
    return _Active(first, curve, dx, dy, expression_crease(dx, dy, e.magnitude))


def _expression_shift(
    active: list[_Active], number: int
) -> tuple[np.ndarray | float, np.ndarray | float, np.ndarray | None]:
    """The summed displacement (dx, dy) and crease of the expressions on screen."""
    shift_x: np.ndarray | float = 0.0
    shift_y: np.ndarray | float = 0.0
    shade: np.ndarray | None = None
    for a in active:
        c = float(a.curve[number - a.first])
        if c > 0:
            shift_x, shift_y = shift_x + c * a.dx, shift_y + c * a.dy
            shade = c * a.crease if shade is None else shade + c * a.crease
    return shift_x, shift_y, shade


def _talk_value(plan: VideoPlan, number: int, fps: float) -> float:
    """How far the jaw is open (pixels at 64x64): syllables at an uneven rate, faded in and
    out over the talking stretch."""
    for t in plan.talks:
        if t.start <= number < t.start + t.length:
            k = number - t.start
            seconds = k / fps
            phase = 2 * math.pi * t.rate * seconds + 0.8 * math.sin(2 * math.pi * 0.7 * seconds)
            envelope = math.sin(math.pi * k / t.length) ** 0.5
            return t.amplitude * envelope * (0.5 - 0.5 * math.cos(phase))
    return 0.0


def _openness(plan: VideoPlan, number: int) -> float:
    """Eye openness on frame ``number``: the deepest of the blinks under way."""
    openness = 1.0
    for b in plan.blinks:
        if b.start <= number < b.start + b.length:
            openness = min(openness, blink_openness((number - b.start) / max(1, b.length - 1)))
    return openness
