"""A synthetic CASME II, written in exactly the real layout (DESIGN §3).

Each subject is a different procedurally drawn face (geometry, skin tone, texture, lighting, crop
size). Each clip has a neutral lead-in and tail and one micro-expression: a class-specific, local,
AU-like displacement field of 0.3-1.5 px (at 64x64) that follows an onset -> apex -> offset curve.
Distractors that are not micro-expressions are mixed in: blinks, slow head drift, lighting flicker
and sensor noise. The result is read by :func:`microexp.data.casme2.load_casme2` with no special
case::

    OUT/CASME2-coding-20140508.xlsx          the coding sheet (real column layout)
    OUT/Cropped/subNN/EPxx_yy[f]/reg_imgN.jpg  cropped faces, absolute unpadded frame numbers
    OUT/CASME2_RAW_selected/...              (with --trees raw|both) 640x480 raw frames, imgN.jpg
    OUT/masks/subNN/EPxx_yy[f].png           ground-truth moving regions (tests only)
    OUT/preview.png                          onset, apex and amplified difference of a few clips
    OUT/synthetic.json                       the generator's parameters

Generation is seeded and byte-reproducible. Command line::

    python -m microexp.data.synthetic OUT [--subjects N] [--clips M] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import sys
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from microexp.classes import CLASSES_5

log = logging.getLogger(__name__)

GENERATOR_VERSION = 1
SHEET_NAME = "CASME2-coding-20140508.xlsx"
CROPPED_DIR = "Cropped"
RAW_DIR = "CASME2_RAW_selected"
RAW_SIZE = (640, 480)  # (width, height) of CASME II raw frames
#: Reference network resolution: movement magnitudes are specified in pixels at this size.
REF_SIZE = 64

# Action-unit-like movements: (u, v) centre in face coordinates (u across, v down, the face
# ellipse spans [-1, 1]), Gaussian sigma in units of the face half-width, direction (x, y) in
# image coordinates, relative weight.
Bump = tuple[float, float, float, float, float, float]
_AU: dict[str, list[Bump]] = {
    # AU6 + AU12: lip corners up and out, cheeks raised
    "happiness": [
        (-0.30, 0.50, 0.13, -0.55, -0.83, 1.0),
        (0.30, 0.50, 0.13, 0.55, -0.83, 1.0),
        (-0.45, 0.14, 0.16, 0.0, -1.0, 0.5),
        (0.45, 0.14, 0.16, 0.0, -1.0, 0.5),
    ],
    # AU4 + AU9 + AU10: brows lowered and drawn together, nose wrinkled, upper lip raised
    "disgust": [
        (-0.14, 0.16, 0.10, 0.0, -1.0, 1.0),
        (0.14, 0.16, 0.10, 0.0, -1.0, 1.0),
        (0.0, 0.40, 0.12, 0.0, -1.0, 0.7),
        (-0.18, -0.36, 0.11, 0.5, 0.87, 0.7),
        (0.18, -0.36, 0.11, -0.5, 0.87, 0.7),
    ],
    # AU15 + AU17 (+AU24): lip corners pulled down, chin raised, lips pressed
    "repression": [
        (-0.30, 0.52, 0.11, 0.0, 1.0, 1.0),
        (0.30, 0.52, 0.11, 0.0, 1.0, 1.0),
        (0.0, 0.76, 0.15, 0.0, -1.0, 0.8),
        (0.0, 0.44, 0.10, 0.0, 1.0, 0.35),
    ],
    # AU1 + AU2: inner and outer brows raised, forehead lifted
    "surprise": [
        (-0.18, -0.38, 0.12, 0.0, -1.0, 1.0),
        (0.18, -0.38, 0.12, 0.0, -1.0, 1.0),
        (-0.55, -0.36, 0.12, 0.0, -1.0, 1.0),
        (0.55, -0.36, 0.12, 0.0, -1.0, 1.0),
        (-0.30, -0.58, 0.16, 0.0, -1.0, 0.4),
        (0.30, -0.58, 0.16, 0.0, -1.0, 0.4),
    ],
}
# "others": one of these, chosen per clip (AU7 lid tightener; unilateral AU14 dimpler).
_OTHERS: list[list[Bump]] = [
    [(-0.38, -0.12, 0.09, 0.0, -1.0, 1.0), (0.38, -0.12, 0.09, 0.0, -1.0, 1.0)],
    [(-0.32, 0.50, 0.11, -1.0, 0.0, 1.0), (-0.40, 0.40, 0.12, -0.7, -0.3, 0.5)],
    [(0.32, 0.50, 0.11, 1.0, 0.0, 1.0), (0.40, 0.40, 0.12, 0.7, -0.3, 0.5)],
]
_AU_TEXT = {
    "happiness": ["6+12", "12", "6+12+25"],
    "disgust": ["4+9", "9+10", "4+10"],
    "repression": ["15+17", "17", "14+24"],
    "surprise": ["1+2", "1+2+25", "2"],
    "others": ["7", "R14", "L14"],
}


@dataclass(frozen=True)
class FaceParams:
    """One subject's face: crop size, geometry (pixels), colours and texture seed."""

    width: int
    height: int
    cx: float
    cy: float
    a: float  # half-width of the face ellipse
    b: float  # half-height
    skin: tuple[float, float, float]
    lips: tuple[float, float, float]
    brows: tuple[float, float, float]
    background: tuple[float, float, float]
    hair: tuple[float, float, float]
    eye_w: float
    eye_h: float
    brow_thick: float
    mouth_w: float
    light_dx: float
    light_dy: float
    texture_seed: int


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to render one clip, drawn in the main process (so output does not
    depend on worker scheduling)."""

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


@dataclass(frozen=True)
class Distractors:
    """Strength of the movements and changes that are not micro-expressions.

    Attributes:
        blink: probability that a clip holds one blink.
        drift: largest slow head translation over a clip, pixels at 64x64.
        rotation: largest slow head rotation over a clip, degrees.
        flicker: largest relative lighting flicker amplitude.
        noise: largest sensor-noise standard deviation, grey levels at crop size.
    """

    blink: float = 0.45
    drift: float = 0.5
    rotation: float = 0.3
    flicker: float = 0.04
    noise: float = 3.5

    @classmethod
    def none(cls) -> Distractors:
        """No distractors at all (for tests and ablations)."""
        return cls(blink=0.0, drift=0.0, rotation=0.0, flicker=0.0, noise=0.0)


def face_params(rng: np.random.Generator) -> FaceParams:
    """Draw one subject's face."""
    width = int(rng.integers(250, 301))
    height = int(round(width * rng.uniform(1.15, 1.28)))
    skin = tuple(float(c) for c in np.clip(rng.normal([205, 160, 135], [25, 22, 20]), 60, 250))
    dark = rng.uniform(0.35, 0.6)
    return FaceParams(
        width=width,
        height=height,
        cx=width * rng.uniform(0.48, 0.52),
        cy=height * rng.uniform(0.52, 0.56),
        a=width * rng.uniform(0.37, 0.43),
        b=height * rng.uniform(0.40, 0.45),
        skin=skin,
        lips=tuple(float(c) for c in np.clip(rng.normal([170, 85, 85], 15), 30, 250)),
        brows=tuple(float(c) * dark for c in skin),
        background=tuple(float(c) for c in rng.uniform(40, 200, size=3)),
        hair=tuple(float(c) for c in rng.uniform(15, 90, size=3)),
        eye_w=rng.uniform(0.15, 0.19),
        eye_h=rng.uniform(0.065, 0.085),
        brow_thick=rng.uniform(0.025, 0.04),
        mouth_w=rng.uniform(0.27, 0.34),
        light_dx=rng.uniform(-0.25, 0.25),
        light_dy=rng.uniform(-0.15, 0.15),
        texture_seed=int(rng.integers(0, 2**31 - 1)),
    )


def _pt(p: FaceParams, u: float, v: float) -> tuple[int, int]:
    return int(round(p.cx + u * p.a)), int(round(p.cy + v * p.b))


def _col(c: Sequence[float]) -> tuple[float, float, float]:
    return (float(c[0]), float(c[1]), float(c[2]))


def _texture(p: FaceParams) -> np.ndarray:
    """Per-subject skin texture (grey, zero-mean): what optical flow locks on to."""
    rng = np.random.default_rng(p.texture_seed)
    tex = np.zeros((p.height, p.width), np.float32)
    # blotches and pores at scales that survive the resize to 64x64 (grid of ~4.5, ~2.3, ~1 px)
    for step, amplitude in ((20, 12.0), (10, 10.0), (4, 3.0)):
        grid = rng.standard_normal((p.height // step + 2, p.width // step + 2)).astype(np.float32)
        tex += amplitude * cv2.resize(grid, (p.width, p.height), interpolation=cv2.INTER_CUBIC)
    return tex


def draw_face(p: FaceParams, eye_open: float = 1.0, texture: np.ndarray | None = None):
    """Render the neutral face as float32 RGB ``(H, W, 3)`` on the 0-255 scale."""
    img = np.empty((p.height, p.width, 3), np.uint8)
    img[:] = np.clip(p.background, 0, 255).astype(np.uint8)
    aa = cv2.LINE_AA
    # hair, neck, face
    cv2.ellipse(
        img,
        _pt(p, 0, -0.25),
        (int(p.a * 1.12), int(p.b * 0.95)),
        0,
        180,
        360,
        _col(p.hair),
        -1,
        aa,
    )
    neck = np.array(
        [_pt(p, -0.45, 0.7), _pt(p, 0.45, 0.7), _pt(p, 0.55, 1.6), _pt(p, -0.55, 1.6)], np.int32
    )
    cv2.fillConvexPoly(img, neck, _col(np.array(p.skin) * 0.8), aa)
    cv2.ellipse(img, _pt(p, 0, 0), (int(p.a), int(p.b)), 0, 0, 360, _col(p.skin), -1, aa)
    # ears
    for s in (-1, 1):
        cv2.ellipse(
            img,
            _pt(p, s * 0.98, -0.05),
            (int(0.12 * p.a), int(0.2 * p.b)),
            0,
            0,
            360,
            _col(np.array(p.skin) * 0.9),
            -1,
            aa,
        )
    # brows
    for s in (-1, 1):
        pts = np.array(
            [
                _pt(p, s * u, -0.40 + 0.12 * (u - 0.42) ** 2 * 4)
                for u in np.linspace(0.14, 0.68, 12)
            ],
            np.int32,
        )
        cv2.polylines(img, [pts], False, _col(p.brows), max(2, int(p.brow_thick * p.b * 2)), aa)
    # eyes (openness 0..1 for blinks)
    ew, eh = int(p.eye_w * p.a), max(1, int(p.eye_h * p.b * max(eye_open, 0.0)))
    for s in (-1, 1):
        c = _pt(p, s * 0.38, -0.18)
        cv2.ellipse(
            img,
            c,
            (ew + 3, int(p.eye_h * p.b) + 3),
            0,
            0,
            360,
            _col(np.array(p.skin) * 0.82),
            -1,
            aa,
        )
        if eye_open > 0.08:
            cv2.ellipse(img, c, (ew, eh), 0, 0, 360, (235, 232, 228), -1, aa)
            r = max(2, min(eh, int(0.45 * p.eye_h * p.b * 1.6)))
            cv2.circle(img, c, r, (70, 50, 35), -1, aa)
            cv2.circle(img, c, max(1, r // 2), (10, 10, 10), -1, aa)
        cv2.ellipse(
            img,
            (c[0], c[1] - eh),
            (ew, max(1, eh // 3 + 2)),
            0,
            180,
            360,
            _col(np.array(p.brows) * 0.8),
            2,
            aa,
        )
        cv2.line(
            img,
            (c[0] - ew, c[1]),
            (c[0] + ew, c[1]),
            _col(np.array(p.skin) * 0.6),
            1 if eye_open > 0.08 else 2,
            aa,
        )
    # nose
    nose = np.array(
        [
            _pt(p, -0.05, -0.1),
            _pt(p, -0.1, 0.16),
            _pt(p, -0.15, 0.24),
            _pt(p, 0.0, 0.28),
            _pt(p, 0.15, 0.24),
        ],
        np.int32,
    )
    cv2.polylines(img, [nose], False, _col(np.array(p.skin) * 0.7), 2, aa)
    for s in (-1, 1):
        cv2.ellipse(
            img,
            _pt(p, s * 0.1, 0.25),
            (int(0.05 * p.a), int(0.025 * p.b)),
            0,
            0,
            360,
            _col(np.array(p.skin) * 0.45),
            -1,
            aa,
        )
    # mouth
    mw = p.mouth_w
    upper = np.array(
        [
            _pt(p, u, 0.50 - 0.06 * math.cos(u / mw * math.pi / 2))
            for u in np.linspace(-mw, mw, 15)
        ],
        np.int32,
    )
    lower = np.array(
        [
            _pt(p, u, 0.50 + 0.08 * math.cos(u / mw * math.pi / 2))
            for u in np.linspace(mw, -mw, 15)
        ],
        np.int32,
    )
    cv2.fillPoly(img, [np.vstack([upper, lower])], _col(p.lips), aa)
    cv2.polylines(
        img,
        [np.array([_pt(p, u, 0.505) for u in np.linspace(-mw, mw, 15)], np.int32)],
        False,
        _col(np.array(p.lips) * 0.45),
        2,
        aa,
    )
    out = img.astype(np.float32)
    # soft shading: darker towards the face edge, one-sided light
    ys, xs = np.mgrid[0 : p.height, 0 : p.width].astype(np.float32)
    u = (xs - p.cx) / p.a
    v = (ys - p.cy) / p.b
    shade = 1.0 - 0.18 * np.clip(u * u + v * v, 0, 1.6) + p.light_dx * u * 0.3 + p.light_dy * v
    out *= shade[..., None]
    if texture is not None:
        out += texture[..., None]
    return out


def expression_field(
    p: FaceParams, emotion: str, magnitude: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The apex displacement (dx, dy) in render pixels for one clip, and its peak magnitude.

    The pattern depends on the class; centres, weights and the left/right balance jitter per
    clip. ``magnitude`` is the peak movement in pixels at 64x64.
    """
    bumps = _AU[emotion] if emotion != "others" else _OTHERS[int(rng.integers(len(_OTHERS)))]
    ys, xs = np.mgrid[0 : p.height, 0 : p.width].astype(np.float32)
    dx = np.zeros_like(xs)
    dy = np.zeros_like(xs)
    asym = rng.uniform(0.8, 1.2)
    for u, v, sigma, ux, uy, w in bumps:
        cx, cy = _pt(p, u + rng.normal(0, 0.025), v + rng.normal(0, 0.025))
        s = sigma * p.a * rng.uniform(0.9, 1.1)
        g = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * s * s))
        side = asym if u < 0 else (2.0 - asym if u > 0 else 1.0)
        weight = w * side * rng.uniform(0.85, 1.15)
        dx += weight * ux * g
        dy += weight * uy * g
    peak = float(np.sqrt(dx * dx + dy * dy).max())
    scale = magnitude * (p.width / REF_SIZE) / max(peak, 1e-6)
    return dx * scale, dy * scale


def intensity_curve(numbers: np.ndarray, onset: int, apex: int, offset: int) -> np.ndarray:
    """The rendered movement's time course: smooth rise onset->apex, fall apex->offset."""
    y = np.zeros(len(numbers), np.float32)
    rise = (numbers >= onset) & (numbers <= apex)
    fall = (numbers > apex) & (numbers <= offset)
    if apex > onset:
        y[rise] = 0.5 * (1 - np.cos(np.pi * (numbers[rise] - onset) / (apex - onset)))
    else:
        y[rise] = 1.0
    if offset > apex:
        y[fall] = 0.5 * (1 + np.cos(np.pi * (numbers[fall] - apex) / (offset - apex)))
    return y


def _blink_curve(n: int, rng: np.random.Generator, probability: float = 0.45) -> np.ndarray:
    """Eye openness per frame: 1, or one fast blink (0 = closed) at a random time."""
    openness = np.ones(n, np.float32)
    draw = rng.random()
    length = int(rng.integers(12, 22))
    start = int(rng.integers(0, max(1, n - length)))
    if draw < probability:
        t = np.arange(length) / max(1, length - 1)
        openness[start : start + length] = 1.0 - np.sin(np.pi * t) ** 0.7
    return openness


def _drift(
    n: int, rng: np.random.Generator, scale: float, drift: float = 0.5, rotation: float = 0.3
) -> tuple[np.ndarray, ...]:
    """Slow head drift: translation (render px) and rotation (radians) per frame."""
    t = np.linspace(0, 1, n, dtype=np.float32)
    amp = rng.uniform(0.2, 1.0) * drift * scale
    phase = rng.uniform(0, 2 * np.pi, size=3)
    freq = rng.uniform(0.3, 1.0, size=3)
    tx = amp * np.sin(2 * np.pi * freq[0] * t + phase[0]) * rng.choice([-1, 1])
    ty = amp * 0.6 * np.sin(2 * np.pi * freq[1] * t + phase[1])
    rot = np.deg2rad(rng.uniform(0.15, 1.0) * rotation) * np.sin(
        2 * np.pi * freq[2] * t + phase[2]
    )
    return tx - tx[0], ty - ty[0], rot - rot[0]


def render_clip(
    spec: ClipSpec, face: FaceParams, distractors: Distractors | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Render one clip: RGB uint8 frames at crop size, and the ground-truth region mask."""
    rng = np.random.default_rng(spec.seed)
    texture = _texture(face)
    base = draw_face(face, 1.0, texture)
    dx, dy = expression_field(face, spec.emotion, spec.magnitude, rng)
    mag = np.sqrt(dx * dx + dy * dy)
    mask = (mag >= 0.25 * mag.max()).astype(np.uint8) * 255
    # Contracting muscles also bunch the skin: a slight darkening (crease) where it moves,
    # up to 3-6 grey levels at the apex.
    crease = (-(3.0 + 3.0 * spec.magnitude / 1.5) * mag / max(float(mag.max()), 1e-6))[..., None]
    numbers = np.arange(spec.first_frame, spec.first_frame + spec.n_frames)
    curve = intensity_curve(numbers, spec.onset, spec.apex, spec.offset)
    d = distractors or Distractors()
    openness = _blink_curve(spec.n_frames, rng, d.blink)
    tx, ty, rot = _drift(spec.n_frames, rng, face.width / REF_SIZE, d.drift, d.rotation)
    flicker_amp = rng.uniform(0.25, 1.0) * d.flicker
    flicker_period = rng.uniform(8, 30)
    flicker_phase = rng.uniform(0, 2 * np.pi)
    noise_sigma = rng.uniform(0.4, 1.0) * d.noise
    gain0 = rng.uniform(0.9, 1.1)
    ys, xs = np.mgrid[0 : face.height, 0 : face.width].astype(np.float32)
    xr, yr = xs - face.cx, ys - face.cy
    cv2.setRNGSeed(spec.seed % (2**31 - 1))
    noise = np.empty((face.height, face.width, 3), np.float32)
    frames: list[np.ndarray] = []
    for i in range(spec.n_frames):
        img = base if openness[i] > 0.999 else draw_face(face, float(openness[i]), texture)
        # Content moves by d(x) = ME(x) + head(x); sample the neutral image at x - d(x).
        # Head: rotation about the face centre plus translation, linearised (small angles).
        rot_i = float(rot[i])
        map_x = xs - (float(curve[i]) * dx) + (rot_i * yr - float(tx[i]))
        map_y = ys - (float(curve[i]) * dy) - (rot_i * xr + float(ty[i]))
        warped = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        gain = gain0 * (
            1 + flicker_amp * math.sin(2 * math.pi * i / flicker_period + flicker_phase)
        )
        cv2.randn(noise, 0.0, noise_sigma)
        if curve[i] > 0:
            warped = warped + float(curve[i]) * crease
        frames.append(cv2.convertScaleAbs(cv2.scaleAdd(warped, gain, noise)))
    return frames, mask


def _raw_canvas(frame: np.ndarray, spec: ClipSpec) -> np.ndarray:
    """Place a cropped face into a 640x480 raw frame (fixed per subject)."""
    w, h = RAW_SIZE
    rng = np.random.default_rng([spec.subject_index, 99])
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = rng.integers(90, 170, size=3).astype(np.uint8)
    fh, fw = frame.shape[:2]
    scale = min(1.0, 0.9 * h / fh)
    face = cv2.resize(frame, (int(fw * scale), int(fh * scale)), interpolation=cv2.INTER_AREA)
    y0 = (h - face.shape[0]) // 2
    x0 = int(rng.integers(w // 2 - face.shape[1] // 2 - 60, w // 2 - face.shape[1] // 2 + 60))
    canvas[y0 : y0 + face.shape[0], x0 : x0 + face.shape[1]] = face
    return canvas


def _write_clip(
    args: tuple[ClipSpec, FaceParams, str, str, int, Distractors],
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    spec, face, out, trees, quality, distractors = args
    root = Path(out)
    frames, mask = render_clip(spec, face, distractors)
    params = [int(cv2.IMWRITE_JPEG_QUALITY), quality]
    if trees in ("cropped", "both"):
        folder = root / CROPPED_DIR / spec.subject / spec.episode
        folder.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), params)
            assert ok
            (folder / f"reg_img{spec.first_frame + k}.jpg").write_bytes(buf.tobytes())
    if trees in ("raw", "both"):
        folder = root / RAW_DIR / spec.subject / spec.episode
        folder.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            raw = _raw_canvas(frame, spec)
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(raw, cv2.COLOR_RGB2BGR), params)
            assert ok
            (folder / f"img{spec.first_frame + k}.jpg").write_bytes(buf.tobytes())
    mask_dir = root / "masks" / spec.subject
    mask_dir.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".png", mask)
    (mask_dir / f"{spec.episode}.png").write_bytes(buf.tobytes())
    on = spec.onset - spec.first_frame
    ap = spec.apex - spec.first_frame
    return spec.episode, frames[on], frames[ap], mask


def plan(subjects: int, clips: int, seed: int) -> tuple[list[FaceParams], list[ClipSpec]]:
    """Draw every subject's face and every clip's specification (deterministic in ``seed``)."""
    faces: list[FaceParams] = []
    specs: list[ClipSpec] = []
    for s in range(subjects):
        rng = np.random.default_rng([seed, s, 10_000])
        faces.append(face_params(rng))
        subject = f"sub{s + 1:02d}"
        order = [CLASSES_5[(k + s) % len(CLASSES_5)] for k in range(clips)]
        rng.shuffle(order)
        used: set[str] = set()
        for emotion in order:
            while True:
                ep = f"EP{int(rng.integers(1, 20)):02d}_{int(rng.integers(1, 10)):02d}"
                ep += "f" if rng.random() < 0.3 else ""
                if ep.rstrip("f") not in used:
                    used.add(ep.rstrip("f"))
                    break
            duration = int(rng.integers(18, 41))
            n = duration + int(rng.integers(24, 45))
            lead = int(rng.integers(8, n - duration - 8 + 1))
            first = int(rng.integers(1, 250))
            onset = first + lead
            offset = onset + duration
            apex = onset + int(round(duration * rng.uniform(0.35, 0.6)))
            specs.append(
                ClipSpec(
                    subject_index=s,
                    subject=subject,
                    episode=ep,
                    emotion=emotion,
                    action_units=str(rng.choice(_AU_TEXT[emotion])),
                    first_frame=first,
                    n_frames=n,
                    onset=onset,
                    apex=apex,
                    offset=offset,
                    magnitude=float(rng.uniform(0.3, 1.5)),
                    seed=int(rng.integers(0, 2**31 - 1)),
                )
            )
    return faces, specs


def write_coding_sheet(path: Path, specs: Sequence[ClipSpec]) -> None:
    """Write the coding sheet in the real column layout, byte-reproducibly."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        [
            "Subject",
            "Filename",
            None,
            "OnsetFrame",
            "ApexFrame",
            "OffsetFrame",
            None,
            "Action Units",
            "Estimated Emotion",
        ]
    )
    for spec in sorted(specs, key=lambda s: (s.subject_index, s.episode)):
        aus: int | str = (
            int(spec.action_units) if spec.action_units.isdigit() else spec.action_units
        )
        ws.append(
            [
                spec.subject_index + 1,
                spec.episode,
                None,
                spec.onset,
                spec.apex,
                spec.offset,
                None,
                aus,
                spec.emotion,
            ]
        )
    wb.save(path)
    _normalise_xlsx(path)


def _normalise_xlsx(path: Path) -> None:
    """Fix the zip timestamps and document dates so the same data gives the same bytes."""
    stamp = "2014-05-08T00:00:00Z"
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", stamp.encode(), data)
            info = zipfile.ZipInfo(name, date_time=(2014, 5, 8, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    os.replace(tmp, path)


def _preview(path: Path, rows: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """A contact sheet: onset frame, apex frame, amplified |apex - onset| with the ground-truth
    moving region outlined in green, per clip."""
    tiles = []
    th = 150
    for label, onset, apex, mask in rows:
        scale = th / onset.shape[0]
        size = (int(onset.shape[1] * scale), th)
        a = cv2.resize(onset, size, interpolation=cv2.INTER_AREA)
        b = cv2.resize(apex, size, interpolation=cv2.INTER_AREA)
        diff = np.abs(b.astype(np.float32) - a.astype(np.float32)).mean(axis=2)
        diff = np.clip(diff * 10, 0, 255).astype(np.uint8)
        heat = cv2.cvtColor(cv2.applyColorMap(diff, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
        small = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(heat, contours, -1, (0, 255, 0), 1)
        row = np.concatenate([a, b, heat], axis=1)
        bar = np.full((22, row.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(np.concatenate([bar, row], axis=0))
    width = max(t.shape[1] for t in tiles)
    tiles = [
        np.pad(t, ((0, 0), (0, width - t.shape[1]), (0, 0)), constant_values=255) for t in tiles
    ]
    header = np.full((24, width, 3), 255, np.uint8)
    cv2.putText(
        header,
        "onset | apex | |apex - onset| x10, true region in green",
        (4, 17),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (0, 0, 0),
        1,
        cv2.LINE_AA,
    )
    sheet = np.concatenate([header, *tiles], axis=0)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    path.write_bytes(buf.tobytes())


def generate(
    out: str | Path,
    *,
    subjects: int = 26,
    clips: int = 10,
    seed: int = 0,
    trees: str = "cropped",
    workers: int | None = None,
    quality: int = 92,
    distractors: Distractors | None = None,
    progress: bool = True,
) -> dict:
    """Write a synthetic CASME II under ``out`` and return a summary dict.

    Args:
        out: destination folder (created; must be empty or absent).
        subjects: number of subjects (faces).
        clips: clips per subject; classes are balanced within each subject.
        seed: everything derives from it; the same seed gives the same bytes.
        trees: ``"cropped"`` (``Cropped/``), ``"raw"`` (``CASME2_RAW_selected/``) or ``"both"``.
        workers: processes (default: CPU count, at most 8).
        quality: JPEG quality.
        distractors: strength of blinks, head drift, flicker and noise (defaults: moderate).
        progress: show a progress bar over clips.
    """
    if subjects < 1 or clips < 1:
        raise ValueError("need at least one subject and one clip")
    if trees not in ("cropped", "raw", "both"):
        raise ValueError(f"trees must be cropped, raw or both, not {trees!r}")
    root = Path(out)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    faces, specs = plan(subjects, clips, seed)
    distractors = distractors or Distractors()
    jobs = [
        (spec, faces[spec.subject_index], str(root), trees, quality, distractors) for spec in specs
    ]
    workers = workers or min(8, os.cpu_count() or 1)
    results: dict[tuple[str, str], tuple] = {}

    def _collect(it):
        for spec, res in zip(specs, it):
            results[(spec.subject, spec.episode)] = res
            yield spec

    from rich.progress import Progress

    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("generating clips", total=len(jobs))
        if workers > 1:
            with ProcessPoolExecutor(workers) as pool:
                for _ in _collect(pool.map(_write_clip, jobs, chunksize=2)):
                    bar.advance(task)
        else:
            for _ in _collect(map(_write_clip, jobs)):
                bar.advance(task)
    write_coding_sheet(root / SHEET_NAME, specs)
    preview_rows = []
    for k, cls in enumerate(CLASSES_5):
        # one clip per class, from different subjects where there are enough
        candidates = [s for s in specs if s.emotion == cls]
        preferred = [s for s in candidates if s.subject_index == k % subjects]
        spec = (preferred or candidates or [None])[0]
        if spec is not None:
            _, onset, apex, mask = results[(spec.subject, spec.episode)]
            preview_rows.append(
                (
                    f"{spec.subject}/{spec.episode} {cls} ({spec.magnitude:.2f} px at 64x64)",
                    onset,
                    apex,
                    mask,
                )
            )
    _preview(root / "preview.png", preview_rows)
    summary = {
        "generator": "microexp.data.synthetic",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "subjects": subjects,
        "clips_per_subject": clips,
        "clips": len(specs),
        "trees": trees,
        "distractors": asdict(distractors),
        "frames": int(sum(s.n_frames for s in specs)),
        "seconds": round(time.perf_counter() - start, 2),
    }
    meta = {k: v for k, v in summary.items() if k != "seconds"}
    meta["clip_specs"] = [asdict(s) for s in specs]
    (root / "synthetic.json").write_text(json.dumps(meta, indent=1))
    log.info(
        "wrote %d clips (%d frames) to %s in %.1f s",
        summary["clips"],
        summary["frames"],
        root,
        summary["seconds"],
    )
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.data.synthetic",
        description="Write a synthetic CASME II in the real on-disk layout.",
    )
    parser.add_argument("out", type=Path, help="destination folder (empty or absent)")
    parser.add_argument("--subjects", type=int, default=26)
    parser.add_argument("--clips", type=int, default=10, help="clips per subject")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trees", default="cropped", choices=["cropped", "raw", "both"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        summary = generate(
            args.out,
            subjects=args.subjects,
            clips=args.clips,
            seed=args.seed,
            trees=args.trees,
            workers=args.workers,
        )
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
