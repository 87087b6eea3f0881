"""A rendered clip: distractors (noise, flicker, drift, blinks) around the expression."""

from __future__ import annotations

import cv2
import numpy as np

from microexp.data.synthetic import plan, render_clip
from microexp.data.synthetic.motion import blink_curve, expression_field


def test_distractors_present() -> None:
    faces, specs = plan(2, 10, 0)
    spec = specs[0]
    frames, mask = render_clip(spec, faces[spec.subject_index])
    first = frames[0].astype(np.float32)
    on = spec.onset - spec.first_frame
    lead = frames[on - 1].astype(np.float32)  # still neutral: no expression yet
    outside = cv2.dilate(mask, np.ones((15, 15), np.uint8)) == 0
    # sensor noise, flicker and drift change neutral frames outside the expression region
    assert np.abs(lead - first)[outside].mean() > 0.5
    blinks = 0
    for s in specs:
        rng = np.random.default_rng(s.seed)
        face = faces[s.subject_index]
        expression_field(face, s.emotion, s.magnitude, rng)  # same draws as render_clip
        blinks += int(blink_curve(s.n_frames, rng).min() < 0.5)
    assert 2 <= blinks <= 18  # some clips blink, not all
