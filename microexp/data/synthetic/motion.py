"""What moves in a synthetic clip: the expression's displacement field (its regions, see
:mod:`microexp.data.synthetic.actions`), its intensity over time (onset -> apex -> offset), and
the distractors that are not micro-expressions (blinks, head drift, lighting flicker, sensor
noise)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from microexp.data.synthetic.actions import Move, placed_bumps
from microexp.data.synthetic.face import FaceParams, face_point

#: Reference network resolution: movement magnitudes are specified in pixels at this size.
REF_SIZE = 64


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
    flicker: float = 0.015
    noise: float = 3.5

    @classmethod
    def none(cls) -> Distractors:
        """No distractors at all (for tests and ablations)."""
        return cls(blink=0.0, drift=0.0, rotation=0.0, flicker=0.0, noise=0.0)


def expression_field(
    p: FaceParams, moves: Sequence[Move], magnitude: float
) -> tuple[np.ndarray, np.ndarray]:
    """The apex displacement (dx, dy) in render pixels of an expression that moves ``moves``
    (each region at its own amplitude and direction), scaled so that its largest movement is
    ``magnitude`` pixels at 64x64."""
    ys, xs = np.mgrid[0 : p.height, 0 : p.width].astype(np.float32)
    dx = np.zeros_like(xs)
    dy = np.zeros_like(xs)
    for move in moves:
        for u, v, sigma, ux, uy, w in placed_bumps(move):
            cx, cy = face_point(p, u, v)
            s = sigma * p.a
            g = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * s * s))
            dx += w * ux * g
            dy += w * uy * g
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


def blink_curve(n: int, rng: np.random.Generator, probability: float = 0.45) -> np.ndarray:
    """Eye openness per frame: 1, or one fast blink (0 = closed) at a random time (cut short
    at the clip's end when the clip is shorter than the blink)."""
    openness = np.ones(n, np.float32)
    draw = rng.random()
    length = int(rng.integers(12, 22))
    start = int(rng.integers(0, max(1, n - length)))
    if draw < probability:
        t = np.arange(length) / max(1, length - 1)
        openness[start : start + length] = (1.0 - np.sin(np.pi * t) ** 0.7)[: n - start]
    return openness


def head_drift(
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
