"""A synthetic face video for registration tests: the shared face renderer on a 640x480 canvas
over a static textured background, moved by a known slow head motion (rotation about the face
centre, scale, translation), with a planted local expression and, on request, an occluder."""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from microexp.data.face import Box
from microexp.data.synthetic.actions import Move
from microexp.data.synthetic.face import draw_face, face_params, skin_texture
from microexp.data.synthetic.motion import expression_field, intensity_curve

WIDTH, HEIGHT = 640, 480
#: The planted expression: cheek raiser (AU6) at half the weight of the lip corner puller (AU12).
HAPPY = ((6, 0.5), (12, 1.0))


@dataclass(frozen=True)
class HeadMotion:
    """Slow head motion over ``n`` frames: peak rotation (degrees), translation (px), scale."""

    n: int = 72
    angle: float = 5.0
    shift: float = 10.0
    scale: float = 0.02


class FaceScene:
    """Frames of one face; :meth:`transform` is the true reference -> frame head motion.

    Args:
        seed: the face and background.
        head: the head motion.
        peak: the expression's peak displacement, pixels; it rises and falls over
            ``expression`` (onset, apex, offset frame numbers).
    """

    def __init__(
        self,
        seed: int = 0,
        head: HeadMotion | None = None,
        peak: float = 3.0,
        expression: tuple[int, int, int] = (30, 40, 50),
        noise: float = 2.0,
    ) -> None:
        rng = np.random.default_rng(seed)
        p = face_params(rng)
        self.params = p = replace(p, width=WIDTH, height=HEIGHT, cx=WIDTH / 2, cy=HEIGHT / 2 + 10)
        self.face = draw_face(p, 1.0, skin_texture(p))
        # the face's alpha: where two renders on different backgrounds agree
        dark = draw_face(replace(p, background=(0.0, 0.0, 0.0)))
        light = draw_face(replace(p, background=(255.0, 255.0, 255.0)))
        solid = (np.abs(light - dark).max(axis=-1) < 2).astype(np.float32)
        self.alpha = cv2.GaussianBlur(solid, (3, 3), 0)
        self.background = _background(rng)
        smile = tuple(Move(au, side, w, 0.0, 0.0, 0.0, 1.0) for au, w in HAPPY for side in "LR")
        dx, dy = expression_field(p, smile, 1.0)
        gain = peak / float(np.hypot(dx, dy).max())
        self.expression = (dx * gain, dy * gain)  # reference-frame displacement at the apex
        self.head = head = head or HeadMotion()
        t = np.linspace(0.0, 1.0, head.n)
        self.angles = head.angle * np.sin(2 * np.pi * 0.8 * t)
        self.shifts = np.stack(
            [
                head.shift * (np.sin(2 * np.pi * 0.6 * t + 0.5) - np.sin(0.5)),
                -0.8 * head.shift * np.sin(2 * np.pi * 0.5 * t),
            ],
            axis=1,
        )
        self.scales = 1.0 + head.scale * np.sin(2 * np.pi * 0.4 * t)
        self.curve = intensity_curve(np.arange(head.n), *expression)
        self.noise = noise
        self._rng = np.random.default_rng(seed + 1)
        self._grid = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)

    @property
    def face_box(self) -> Box:
        """The face (brows to chin, cheek to cheek) in the reference frame."""
        p = self.params
        return Box(
            int(p.cx - 0.85 * p.a),
            int(p.cy - 0.8 * p.b),
            int(p.cx + 0.85 * p.a),
            int(p.cy + 0.85 * p.b),
        )

    def transform(self, i: int) -> np.ndarray:
        """The head motion at frame ``i``: reference pixel -> frame pixel (2x3)."""
        centre = (self.params.cx, self.params.cy)
        m = cv2.getRotationMatrix2D(centre, float(self.angles[i]), float(self.scales[i]))
        m[:, 2] += self.shifts[i]
        return m

    def frame(
        self, i: int, *, head: bool = True, occluder: Box | None = None, offset=(0.0, 0.0)
    ) -> np.ndarray:
        """Frame ``i``, RGB uint8; ``head=False`` leaves the head still; ``offset`` moves it
        further (pixels); ``occluder`` is painted over the frame."""
        m = self.transform(i) if head else np.eye(2, 3)
        m = m + np.array([[0.0, 0.0, offset[0]], [0.0, 0.0, offset[1]]])
        inv = cv2.invertAffineTransform(m)
        ys, xs = self._grid
        map_x = (inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]).astype(np.float32)
        map_y = (inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]).astype(np.float32)
        c = float(self.curve[i])
        if c > 0:  # the expression moves content by c * e(x), x in reference coordinates
            ex = cv2.remap(self.expression[0], map_x, map_y, cv2.INTER_LINEAR)
            ey = cv2.remap(self.expression[1], map_x, map_y, cv2.INTER_LINEAR)
            map_x, map_y = map_x - c * ex, map_y - c * ey
        face = cv2.remap(self.face, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        alpha = cv2.remap(self.alpha, map_x, map_y, cv2.INTER_LINEAR)[..., None]
        img = alpha * face + (1 - alpha) * self.background
        img += self._rng.normal(0.0, self.noise, img.shape)
        if occluder is not None:
            o = occluder
            img[o.y0 : o.y1, o.x0 : o.x1] = (90.0, 110.0, 70.0)
        return np.clip(img, 0, 255).astype(np.uint8)


def _background(rng: np.random.Generator) -> np.ndarray:
    """A static, textured background with a few solid blocks (it must not pull the fit)."""
    grid = rng.standard_normal((HEIGHT // 16 + 2, WIDTH // 16 + 2)).astype(np.float32)
    grey = 110 + 35 * cv2.resize(grid, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    bg = np.repeat(grey[..., None], 3, axis=-1)
    for _ in range(8):
        x0, y0 = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        x1, y1 = x0 + int(rng.integers(20, 120)), y0 + int(rng.integers(20, 120))
        cv2.rectangle(bg, (x0, y0), (x1, y1), tuple(float(v) for v in rng.uniform(30, 230, 3)), -1)
    return bg
