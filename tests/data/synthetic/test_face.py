"""Drawn faces: crops are not square, and a blink changes only the eyes."""

from __future__ import annotations

import numpy as np

from microexp.data.synthetic.face import draw_face, face_params, face_point


def test_crop_is_not_square_and_a_blink_touches_only_the_eyes() -> None:
    p = face_params(np.random.default_rng(0))
    assert p.height > p.width
    opened = draw_face(p, 1.0)
    closed = draw_face(p, 0.0)
    assert opened.shape == (p.height, p.width, 3) and opened.dtype == np.float32
    changed_rows = np.nonzero((opened != closed).any(axis=(1, 2)))[0]
    eye_row = face_point(p, 0.0, -0.18)[1]
    assert changed_rows.size and np.abs(changed_rows - eye_row).max() < 0.2 * p.b
