"""A rendered clip: the expression moves its region only, and the distractors (noise, flicker,
drift, blinks) happen during the expression too."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from microexp.data.synthetic import Distractors, plan_casme2, render_clip
from microexp.data.synthetic.motion import blink_curve


def test_without_distractors_only_the_expression_moves() -> None:
    plan = plan_casme2(2, 4, seed=0, quirks=False)
    spec = replace(plan.samples[0].spec, magnitude=2.0)
    frames, mask = render_clip(spec, plan.faces[spec.subject_index], Distractors.none())
    first, last = frames[0].astype(np.float32), frames[-1].astype(np.float32)
    apex = frames[spec.apex - spec.first_frame].astype(np.float32)
    outside = cv2.dilate(mask, np.ones((9, 9), np.uint8)) == 0
    assert np.abs(apex - first)[outside].max() < 2  # nothing else moves
    assert np.abs(apex - first)[mask > 0].mean() > 1.5  # the region does
    assert np.abs(last - first).max() < 1  # back to neutral at the offset


def test_distractors_happen_inside_the_expression() -> None:
    plan = plan_casme2(3, 10, seed=0, quirks=False)
    spec = plan.samples[0].spec
    frames, mask = render_clip(spec, plan.faces[spec.subject_index])
    outside = cv2.dilate(mask, np.ones((9, 9), np.uint8)) == 0
    middle = frames[len(frames) // 2].astype(np.float32)
    assert np.abs(middle - frames[0].astype(np.float32))[outside].mean() > 0.5
    blinks = sum(
        int(blink_curve(s.spec.n_frames, np.random.default_rng(s.spec.seed)).min() < 0.5)
        for s in plan.samples
    )  # the first draws of render_clip's generator
    assert 3 <= blinks <= 27  # some clips blink, not all
