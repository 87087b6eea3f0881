"""What moves in a synthetic clip: class-specific AU-like expression fields, their intensity over
time (onset -> apex -> offset), and the distractors that are not micro-expressions (blinks, head
drift, lighting flicker, sensor noise)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microexp.data.synthetic.face import FaceParams, face_point

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
#: The coding sheet's "Action Units" text, drawn per clip from its class.
AU_TEXT: dict[str, list[str]] = {
    "happiness": ["6+12", "12", "6+12+25"],
    "disgust": ["4+9", "9+10", "4+10"],
    "repression": ["15+17", "17", "14+24"],
    "surprise": ["1+2", "1+2+25", "2"],
    "others": ["7", "R14", "L14"],
}


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
        cx, cy = face_point(p, u + rng.normal(0, 0.025), v + rng.normal(0, 0.025))
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
