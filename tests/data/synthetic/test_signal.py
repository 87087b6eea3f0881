"""What TV-L1 sees of a synthetic expression at 128 px, onset -> apex: above the noise floor of
the same clip without expression, head drift or blinks (sensor noise and flicker only)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from microexp.data.synthetic import Distractors, plan_casme2, render_clip
from microexp.flow.opencv import opencv_pair


def _square(image: np.ndarray, side: int = 128) -> np.ndarray:
    """Padded to a square (edges repeated), then resized: the crop keeps its aspect ratio."""
    h, w = image.shape[:2]
    s = max(h, w)
    top, left = (s - h) // 2, (s - w) // 2
    image = cv2.copyMakeBorder(image, top, s - h - top, left, s - w - left, cv2.BORDER_REPLICATE)
    interpolation = cv2.INTER_NEAREST if image.ndim == 2 else cv2.INTER_LINEAR
    return cv2.resize(image, (side, side), interpolation=interpolation)


def test_tvl1_at_128_px_sees_the_expression_above_the_noise_floor() -> None:
    plan = plan_casme2(3, 5, seed=0, quirks=False)
    quiet = Distractors(blink=0.0, drift=0.0, rotation=0.0)
    for sample in plan.samples[:5]:
        spec, face = sample.spec, plan.faces[sample.spec.subject_index]
        apex = spec.apex - spec.first_frame
        frames, mask = render_clip(spec, face)
        region = _square(mask) > 0
        seen = np.hypot(*opencv_pair(_square(frames[0]), _square(frames[apex])))
        still, _ = render_clip(replace(spec, magnitude=1e-6), face, quiet)
        noise = np.hypot(*opencv_pair(_square(still[0]), _square(still[apex])))
        planted = 2 * spec.magnitude * face.width / face.height  # peak, pixels at 128
        signal = float(np.percentile(seen[region], 95))
        assert signal > 4 * float(np.percentile(noise, 95)), spec.episode
        assert 0.4 * planted < signal < 2.5 * planted, spec.episode
