"""Expression fields: class-specific, local and subtle."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.classes import CLASSES_5
from microexp.data.synthetic import plan
from microexp.data.synthetic.face import face_params
from microexp.data.synthetic.motion import REF_SIZE, expression_field


def test_expression_is_class_specific_localised_and_subtle() -> None:
    face = face_params(np.random.default_rng(0))
    masks = {}
    for emotion in CLASSES_5:
        dx, dy = expression_field(face, emotion, 1.0, np.random.default_rng(1))
        mag = np.sqrt(dx**2 + dy**2) * REF_SIZE / face.width  # pixels at 64x64
        assert mag.max() == pytest.approx(1.0, rel=1e-4)
        region = mag >= 0.25 * mag.max()
        assert region.mean() < 0.2  # local, not global
        masks[emotion] = region
    for i, e1 in enumerate(CLASSES_5):
        for e2 in CLASSES_5[i + 1 :]:
            inter = (masks[e1] & masks[e2]).sum()
            union = (masks[e1] | masks[e2]).sum()
            assert inter / union < 0.5, (e1, e2)  # different regions per class
    _, specs = plan(4, 10, 0)
    mags = [s.magnitude for s in specs]
    assert min(mags) >= 0.3 and max(mags) <= 1.5
