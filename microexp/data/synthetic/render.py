"""Render one clip: a subject's face, moved by its expression's regions along the intensity
curve, with blinks, head drift, flicker and noise on top (over every frame, the expression's
included)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from microexp.data.synthetic.actions import Move
from microexp.data.synthetic.face import FaceParams, draw_face, skin_texture
from microexp.data.synthetic.motion import (
    REF_SIZE,
    Distractors,
    blink_curve,
    expression_field,
    head_drift,
    intensity_curve,
)


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to render one clip, drawn in the main process (so output does not
    depend on worker scheduling). ``emotion`` is the emotion whose actions ``moves`` were drawn
    from; ``magnitude`` is the expression's largest movement at the apex."""

    subject_index: int
    subject: str
    episode: str
    emotion: str
    action_units: str
    first_frame: int
    n_frames: int
    onset: int
    apex: int
    offset: int
    magnitude: float  # peak movement in pixels at 64x64
    seed: int
    moves: tuple[Move, ...]


def render_clip(
    spec: ClipSpec, face: FaceParams, distractors: Distractors | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Render one clip: RGB uint8 frames at crop size, and the ground-truth region mask."""
    rng = np.random.default_rng(spec.seed)
    texture = skin_texture(face)
    base = draw_face(face, 1.0, texture)
    dx, dy = expression_field(face, spec.moves, spec.magnitude)
    mag = np.sqrt(dx * dx + dy * dy)
    mask = (mag >= 0.25 * mag.max()).astype(np.uint8) * 255
    crease = expression_crease(dx, dy, spec.magnitude)
    numbers = np.arange(spec.first_frame, spec.first_frame + spec.n_frames)
    curve = intensity_curve(numbers, spec.onset, spec.apex, spec.offset)
    d = distractors or Distractors()
    openness = blink_curve(spec.n_frames, rng, d.blink)
    tx, ty, rot = head_drift(spec.n_frames, rng, face.width / REF_SIZE, d.drift, d.rotation)
    flicker_amp = rng.uniform(0.25, 1.0) * d.flicker
    flicker_period = rng.uniform(8, 30)
    flicker_phase = rng.uniform(0, 2 * np.pi)
    noise_sigma = rng.uniform(0.4, 1.0) * d.noise
    gain0 = rng.uniform(0.9, 1.1)
    grid = FaceGrid.of(face)
    cv2.setRNGSeed(spec.seed % (2**31 - 1))
    noise = np.empty((face.height, face.width, 3), np.float32)
    frames: list[np.ndarray] = []
    for i in range(spec.n_frames):
        img = base if openness[i] > 0.999 else draw_face(face, float(openness[i]), texture)
        gain = gain0 * (
            1 + flicker_amp * math.sin(2 * math.pi * i / flicker_period + flicker_phase)
        )
        cv2.randn(noise, 0.0, noise_sigma)
        c = float(curve[i])
        head = (float(rot[i]), float(tx[i]), float(ty[i]))
        shade = c * crease if curve[i] > 0 else None
        frames.append(compose_frame(img, grid, (c * dx, c * dy), head, gain, noise, shade))
    return frames, mask


@dataclass(frozen=True)
class FaceGrid:
    """A face image's pixel grid, and each pixel's offset from the face centre."""

    xs: np.ndarray
    ys: np.ndarray
    xr: np.ndarray
    yr: np.ndarray

    @classmethod
    def of(cls, face: FaceParams) -> FaceGrid:
        ys, xs = np.mgrid[0 : face.height, 0 : face.width].astype(np.float32)
        return cls(xs, ys, xs - face.cx, ys - face.cy)


def expression_crease(dx: np.ndarray, dy: np.ndarray, magnitude: float) -> np.ndarray:
    """Contracting muscles also bunch the skin: a slight darkening (crease) where the face moves,
    up to 3-6 grey levels at the apex; ``(H, W, 1)``, to be scaled by the intensity."""
    mag = np.sqrt(dx * dx + dy * dy)
    return (-(3.0 + 3.0 * magnitude / 1.5) * mag / max(float(mag.max()), 1e-6))[..., None]


def compose_frame(
    img: np.ndarray,
    grid: FaceGrid,
    shift: tuple[np.ndarray, np.ndarray],
    head: tuple[float, float, float],
    gain: float,
    noise: np.ndarray,
    shade: np.ndarray | None = None,
) -> np.ndarray:
    """One frame: the face ``img`` moved by the facial displacement ``shift`` (dx, dy in render
    pixels) and the head ``(rotation, tx, ty)``, darkened by ``shade``, scaled by the lighting
    ``gain``, plus sensor ``noise``; RGB uint8."""
    # Content moves by d(x) = face(x) + head(x); sample the neutral image at x - d(x).
    # Head: rotation about the face centre plus translation, linearised (small angles).
    rot, tx, ty = head
    map_x = grid.xs - shift[0] + (rot * grid.yr - tx)
    map_y = grid.ys - shift[1] - (rot * grid.xr + ty)
    warped = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if shade is not None:
        warped = warped + shade
    return cv2.convertScaleAbs(cv2.scaleAdd(warped, gain, noise))
