"""Facial actions: the AU-like regions a synthetic face can move, the actions each emotion may
show (overlapping across emotions, as in FACS), and one expression's random part of them with
its own amplitude, direction and placement per region."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: One Gaussian displacement: (u, v) centre in face coordinates (u across, v down; the face
#: ellipse spans [-1, 1]), sigma in face half-widths, direction (x, y) in image coordinates,
#: relative weight. Bilateral actions give the subject's right side (image left, u < 0); the
#: other side is its mirror image.
Bump = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class Action:
    """An action unit: its bumps, and whether it has a left and a right side."""

    au: int
    name: str
    bumps: tuple[Bump, ...]
    bilateral: bool = True


ACTIONS: dict[int, Action] = {
    a.au: a
    for a in (
        Action(
            1,
            "inner brow raiser",
            ((-0.18, -0.40, 0.11, 0.0, -1.0, 1.0), (-0.20, -0.60, 0.15, 0.0, -1.0, 0.4)),
        ),
        Action(2, "outer brow raiser", ((-0.55, -0.37, 0.12, 0.0, -1.0, 1.0),)),
        Action(4, "brow lowerer", ((-0.20, -0.36, 0.11, 0.5, 0.87, 1.0),)),
        Action(6, "cheek raiser", ((-0.45, 0.14, 0.16, 0.0, -1.0, 1.0),)),
        Action(7, "lid tightener", ((-0.38, -0.12, 0.09, 0.0, -1.0, 1.0),)),
        Action(9, "nose wrinkler", ((0.0, 0.08, 0.11, 0.0, -1.0, 1.0),), bilateral=False),
        Action(10, "upper lip raiser", ((0.0, 0.40, 0.12, 0.0, -1.0, 1.0),), bilateral=False),
        Action(12, "lip corner puller", ((-0.30, 0.50, 0.13, -0.55, -0.83, 1.0),)),
        Action(14, "dimpler", ((-0.32, 0.50, 0.11, -1.0, 0.0, 1.0),)),
        Action(15, "lip corner depressor", ((-0.30, 0.53, 0.11, 0.0, 1.0, 1.0),)),
        Action(17, "chin raiser", ((0.0, 0.76, 0.15, 0.0, -1.0, 1.0),), bilateral=False),
        Action(20, "lip stretcher", ((-0.33, 0.52, 0.11, -0.95, 0.3, 1.0),)),
        Action(23, "lip tightener", ((-0.27, 0.50, 0.10, 1.0, 0.0, 1.0),)),
        Action(
            24,
            "lip pressor",
            ((0.0, 0.44, 0.09, 0.0, 1.0, 1.0), (0.0, 0.57, 0.09, 0.0, -1.0, 1.0)),
            bilateral=False,
        ),
        Action(
            26,
            "jaw drop",
            ((0.0, 0.62, 0.16, 0.0, 1.0, 0.5), (0.0, 0.88, 0.24, 0.0, 1.0, 0.4)),
            bilateral=False,
        ),
    )
}

#: The actions each (canonical) emotion may show; an expression moves a random non-empty part
#: of them. The sets overlap as in FACS (brow lowering in disgust, others, sadness, fear...).
EMOTION_ACTIONS: dict[str, tuple[int, ...]] = {
    "happiness": (6, 12),
    "disgust": (4, 9, 10),
    "repression": (14, 17, 24),
    "surprise": (1, 2, 26),
    "others": (1, 4, 7, 14, 17),
    "fear": (1, 2, 4, 20),
    "sadness": (1, 4, 15, 17),
    "anger": (4, 7, 23, 17),
    "contempt": (12, 14),
    "tense": (4, 7, 24),
    "positive": (6, 12),
    "negative": (4, 7, 9, 10, 14, 15, 17, 24),
}


@dataclass(frozen=True)
class Move:
    """One region moved by an expression: action ``au`` on ``side`` (``"L"``/``"R"``, or
    ``""`` for a midline action), at ``amplitude`` (relative, 0-1) of the expression's peak,
    its direction turned by ``angle`` radians, its centre shifted by (``du``, ``dv``) face
    units and its size scaled by ``spread``."""

    au: int
    side: str
    amplitude: float
    angle: float
    du: float
    dv: float
    spread: float

    @property
    def region(self) -> str:
        """The region's name: ``"L12"``, ``"R4"``, ``"17"``."""
        return f"{self.side}{self.au}"


def draw_moves(emotion: str, rng: np.random.Generator) -> tuple[Move, ...]:
    """A random non-empty part of ``emotion``'s actions (each action with probability 0.6; a
    bilateral one on both sides three times in four, else on one side), each region with its
    own amplitude, direction, placement and size."""
    actions = EMOTION_ACTIONS[emotion]
    chosen = [au for au in actions if rng.random() < 0.6]
    if not chosen:
        chosen = [actions[int(rng.integers(len(actions)))]]
    moves: list[Move] = []
    for au in chosen:
        if not ACTIONS[au].bilateral:
            sides = [""]
        elif rng.random() < 0.75:
            sides = ["L", "R"]
        else:
            sides = ["L" if rng.random() < 0.5 else "R"]
        for side in sides:
            moves.append(
                Move(
                    au=au,
                    side=side,
                    amplitude=float(rng.uniform(0.45, 1.0)),
                    angle=float(np.clip(rng.normal(0.0, math.radians(15)), -0.5, 0.5)),
                    du=float(rng.normal(0.0, 0.025)),
                    dv=float(rng.normal(0.0, 0.025)),
                    spread=float(rng.uniform(0.85, 1.2)),
                )
            )
    return tuple(moves)


def au_text(moves: tuple[Move, ...]) -> str:
    """The coding sheet's "Action Units" text: ``"6+12"``, ``"L12"``, ``"4+R14"``."""
    sides: dict[int, set[str]] = {}
    for m in moves:
        sides.setdefault(m.au, set()).add(m.side)
    parts = []
    for au in sorted(sides):
        s = sides[au]
        parts.append(str(au) if s != {"L"} and s != {"R"} else f"{next(iter(s))}{au}")
    return "+".join(parts)


def placed_bumps(move: Move) -> list[Bump]:
    """The move's bumps on its side, placed, sized, weighted and turned."""
    c, s = math.cos(move.angle), math.sin(move.angle)
    out: list[Bump] = []
    for u, v, sigma, ux, uy, w in ACTIONS[move.au].bumps:
        if move.side == "L":  # the subject's left side: image right
            u, ux = -u, -ux
        out.append(
            (
                u + move.du,
                v + move.dv,
                sigma * move.spread,
                c * ux - s * uy,
                s * ux + c * uy,
                w * move.amplitude,
            )
        )
    return out
