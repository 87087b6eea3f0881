"""Head motion: a similarity fitted over the face and removed, robust to the expression and to
static background; the whole-frame median it replaces fails once background dominates."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.flow.head_motion import (
    face_region,
    fit_head_motion,
    head_field,
    remove_head_motion,
)

SIZE = 64
#: rotation ~1.7 degrees, scale 1.01, shift (0.7, -0.4) px; and a second, different one
HEADS = np.array([[0.01, 0.03, 0.7, -0.4], [-0.02, -0.01, -0.3, 0.9]], np.float32)


def _noise(seed: int, n: int = 2, sigma: float = 0.03) -> np.ndarray:
    """TV-L1-like noise on a field (pixels)."""
    return np.random.default_rng(seed).normal(0, sigma, (n, 2, SIZE, SIZE)).astype(np.float32)


def _bump(peak: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A local expression: a Gaussian upward movement on one side of the face (sigma 5 px)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    g = np.exp(-((xs - 42) ** 2 + (ys - 40) ** 2) / (2 * 5.0**2)).astype(np.float32)
    field = np.zeros((2, SIZE, SIZE), np.float32)
    field[1] = -peak * g
    return field, g >= 0.5


def test_a_similarity_field_is_removed() -> None:
    truth = head_field(HEADS, SIZE, SIZE)
    params = fit_head_motion(truth + _noise(0))
    region = face_region(SIZE, SIZE)
    error = np.hypot(*(head_field(params, SIZE, SIZE) - truth).transpose(1, 0, 2, 3))
    assert error[:, region].max() < 0.05, error.max()
    left = remove_head_motion(truth + _noise(0))
    assert np.abs(left.mean(axis=(2, 3))).max() < 0.01
    np.testing.assert_allclose(fit_head_motion(truth), HEADS, atol=1e-5)  # exact without noise
    assert fit_head_motion(np.zeros((0, 2, 8, 8))).shape == (0, 4)
    with pytest.raises(ValueError):
        fit_head_motion(np.zeros((2, 8, 8)))


def test_an_expression_on_top_survives() -> None:
    bump, core = _bump()
    flow = head_field(HEADS, SIZE, SIZE) + bump[None] + _noise(1)
    left = remove_head_motion(flow)
    kept = -left[:, 1][:, core].mean(axis=1) / -bump[1][core].mean()
    assert (kept > 0.8).all(), kept
    # the head motion is still gone away from the expression
    far = face_region(SIZE, SIZE) & (np.hypot(*bump) < 0.01)
    assert np.hypot(left[:, 0], left[:, 1])[:, far].mean() < 0.06


def test_static_background_and_moving_face() -> None:
    """Half the frame is static background, half a moving face: the fit follows the face; the
    whole-frame median (the compensation it replaces) sees the background and removes
    nothing."""
    face = face_region(SIZE, SIZE, fraction=0.75)  # the face covers 44% of the frame
    assert 0.4 < face.mean() < 0.5
    truth = head_field(HEADS, SIZE, SIZE)
    flow = np.where(face, truth, 0.0).astype(np.float32) + _noise(2)
    fitted = head_field(fit_head_motion(flow), SIZE, SIZE)
    error = np.hypot(*(fitted - truth).transpose(1, 0, 2, 3))[:, face]
    assert error.max() < 0.05, error.max()
    # today's whole-frame median: the background's zero wins, the head motion stays
    median = np.median(flow.reshape(len(flow), 2, -1), axis=2)[:, :, None, None]
    left = np.hypot(*(flow - median).transpose(1, 0, 2, 3))[:, face]
    assert left.mean() > 0.5


def test_fits_are_per_field() -> None:
    """Each field's fit depends on that field alone (the store fits whole clips, inference
    fits chunks)."""
    bump, _ = _bump()
    flow = head_field(HEADS, SIZE, SIZE) + bump[None] + _noise(3)
    together = fit_head_motion(flow)
    alone = np.concatenate([fit_head_motion(flow[i : i + 1]) for i in range(len(flow))])
    np.testing.assert_array_equal(together, alone)
