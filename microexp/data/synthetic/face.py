"""Procedurally drawn faces: one subject's geometry, colours, skin texture and lighting, rendered
as a neutral face (eyes open or closed for blinks)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np


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
    scale: float = 1.0  # of the release's crop size: strokes and texture grain follow it


#: Width of a face crop at scale 1 (the CASME II release's crops: about 280x340).
CROP_WIDTH = (250, 300)


def face_params(rng: np.random.Generator, scale: float = 1.0) -> FaceParams:
    """Draw one subject's face; its crop is ``scale`` times the size of the release's crops
    (250-300 pixels wide, 1.15-1.28 times as high: never square)."""
    width = int(round(int(rng.integers(CROP_WIDTH[0], CROP_WIDTH[1] + 1)) * scale))
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
        scale=scale,
    )


def face_point(p: FaceParams, u: float, v: float) -> tuple[int, int]:
    """Face coordinates (u across, v down; the face ellipse spans [-1, 1]) -> pixel."""
    return int(round(p.cx + u * p.a)), int(round(p.cy + v * p.b))


def _col(c: Sequence[float]) -> tuple[float, float, float]:
    return (float(c[0]), float(c[1]), float(c[2]))


def _px(p: FaceParams, pixels: float) -> int:
    """``pixels`` at the release's crop size, at this face's scale (at least one)."""
    return max(1, int(round(pixels * p.scale)))


def skin_texture(p: FaceParams) -> np.ndarray:
    """Per-subject skin texture (grey, zero-mean): what optical flow locks on to."""
    rng = np.random.default_rng(p.texture_seed)
    tex = np.zeros((p.height, p.width), np.float32)
    # blotches and pores at scales that survive the resize to 64x64 (grid of ~4.5, ~2.3, ~1 px)
    for step, amplitude in ((_px(p, 20), 12.0), (_px(p, 10), 10.0), (_px(p, 4), 3.0)):
        grid = rng.standard_normal((p.height // step + 2, p.width // step + 2)).astype(np.float32)
        tex += amplitude * cv2.resize(grid, (p.width, p.height), interpolation=cv2.INTER_CUBIC)
    return tex


def draw_face(
    p: FaceParams, eye_open: float = 1.0, texture: np.ndarray | None = None
) -> np.ndarray:
    """Render the neutral face as float32 RGB ``(H, W, 3)`` on the 0-255 scale."""
    img = np.empty((p.height, p.width, 3), np.uint8)
    img[:] = np.clip(p.background, 0, 255).astype(np.uint8)
    _draw_head(img, p)
    _draw_brows(img, p)
    _draw_eyes(img, p, eye_open)
    _draw_nose(img, p)
    _draw_mouth(img, p)
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


def _draw_head(img: np.ndarray, p: FaceParams) -> None:
    """Hair, neck, the face ellipse and the ears."""
    aa = cv2.LINE_AA
    cv2.ellipse(
        img,
        face_point(p, 0, -0.25),
        (int(p.a * 1.12), int(p.b * 0.95)),
        0,
        180,
        360,
        _col(p.hair),
        -1,
        aa,
    )
    neck = np.array(
        [
            face_point(p, -0.45, 0.7),
            face_point(p, 0.45, 0.7),
            face_point(p, 0.55, 1.6),
            face_point(p, -0.55, 1.6),
        ],
        np.int32,
    )
    cv2.fillConvexPoly(img, neck, _col(np.array(p.skin) * 0.8), aa)
    cv2.ellipse(img, face_point(p, 0, 0), (int(p.a), int(p.b)), 0, 0, 360, _col(p.skin), -1, aa)
    # ears
    for s in (-1, 1):
        cv2.ellipse(
            img,
            face_point(p, s * 0.98, -0.05),
            (int(0.12 * p.a), int(0.2 * p.b)),
            0,
            0,
            360,
            _col(np.array(p.skin) * 0.9),
            -1,
            aa,
        )


def _draw_brows(img: np.ndarray, p: FaceParams) -> None:
    aa = cv2.LINE_AA
    for s in (-1, 1):
        pts = np.array(
            [
                face_point(p, s * u, -0.40 + 0.12 * (u - 0.42) ** 2 * 4)
                for u in np.linspace(0.14, 0.68, 12)
            ],
            np.int32,
        )
        thickness = max(_px(p, 2), int(p.brow_thick * p.b * 2))
        cv2.polylines(img, [pts], False, _col(p.brows), thickness, aa)


def _draw_eyes(img: np.ndarray, p: FaceParams, eye_open: float) -> None:
    """Eyes with lids; ``eye_open`` is the openness 0..1 (for blinks)."""
    aa = cv2.LINE_AA
    ew, eh = int(p.eye_w * p.a), max(1, int(p.eye_h * p.b * max(eye_open, 0.0)))
    for s in (-1, 1):
        c = face_point(p, s * 0.38, -0.18)
        cv2.ellipse(
            img,
            c,
            (ew + _px(p, 3), int(p.eye_h * p.b) + _px(p, 3)),
            0,
            0,
            360,
            _col(np.array(p.skin) * 0.82),
            -1,
            aa,
        )
        if eye_open > 0.08:
            cv2.ellipse(img, c, (ew, eh), 0, 0, 360, (235, 232, 228), -1, aa)
            r = max(_px(p, 2), min(eh, int(0.45 * p.eye_h * p.b * 1.6)))
            cv2.circle(img, c, r, (70, 50, 35), -1, aa)
            cv2.circle(img, c, max(1, r // 2), (10, 10, 10), -1, aa)
        cv2.ellipse(
            img,
            (c[0], c[1] - eh),
            (ew, max(1, eh // 3 + _px(p, 2))),
            0,
            180,
            360,
            _col(np.array(p.brows) * 0.8),
            _px(p, 2),
            aa,
        )
        cv2.line(
            img,
            (c[0] - ew, c[1]),
            (c[0] + ew, c[1]),
            _col(np.array(p.skin) * 0.6),
            _px(p, 1 if eye_open > 0.08 else 2),
            aa,
        )


def _draw_nose(img: np.ndarray, p: FaceParams) -> None:
    aa = cv2.LINE_AA
    nose = np.array(
        [
            face_point(p, -0.05, -0.1),
            face_point(p, -0.1, 0.16),
            face_point(p, -0.15, 0.24),
            face_point(p, 0.0, 0.28),
            face_point(p, 0.15, 0.24),
        ],
        np.int32,
    )
    cv2.polylines(img, [nose], False, _col(np.array(p.skin) * 0.7), _px(p, 2), aa)
    for s in (-1, 1):
        cv2.ellipse(
            img,
            face_point(p, s * 0.1, 0.25),
            (int(0.05 * p.a), int(0.025 * p.b)),
            0,
            0,
            360,
            _col(np.array(p.skin) * 0.45),
            -1,
            aa,
        )


def _draw_mouth(img: np.ndarray, p: FaceParams) -> None:
    aa = cv2.LINE_AA
    mw = p.mouth_w
    upper = np.array(
        [
            face_point(p, u, 0.50 - 0.06 * math.cos(u / mw * math.pi / 2))
            for u in np.linspace(-mw, mw, 15)
        ],
        np.int32,
    )
    lower = np.array(
        [
            face_point(p, u, 0.50 + 0.08 * math.cos(u / mw * math.pi / 2))
            for u in np.linspace(mw, -mw, 15)
        ],
        np.int32,
    )
    cv2.fillPoly(img, [np.vstack([upper, lower])], _col(p.lips), aa)
    cv2.polylines(
        img,
        [np.array([face_point(p, u, 0.505) for u in np.linspace(-mw, mw, 15)], np.int32)],
        False,
        _col(np.array(p.lips) * 0.45),
        _px(p, 2),
        aa,
    )
