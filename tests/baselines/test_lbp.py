"""LBP codes on hand-made patches, agreement with scikit-image, block histograms."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from microexp.baselines.lbp import (
    block_histograms,
    block_index,
    code_table,
    lbp_codes,
    lbp_features,
    n_bins,
    to_grey,
)


def upper_bright_patch() -> np.ndarray:
    """3x3 patch: top row and right-middle bright (200), centre 100, the rest dark (0).

    Neighbour p sits at angle 2 pi p / 8 (p = 0: right, 2: up, 4: left, 6: down). Right (200),
    up-right (~191), up (200) and up-left (~150, interpolated) are >= 100; left, down-left,
    down and down-right are not: bits 0-3 set, raw code 0b00001111 = 15.
    """
    return np.array([[200, 200, 200], [0, 100, 200], [0, 0, 0]], np.uint8)


def test_known_code_on_a_tiny_patch() -> None:
    patch = upper_bright_patch()[None]
    codes = lbp_codes(patch, points=8, radii=(1, 1, 1), method="default")
    assert codes.shape == (1, 3, 3)
    assert codes[0, 1, 1] == 15
    assert (codes[0][[0, 0, 0, 1, 1, 2, 2, 2], [0, 1, 2, 0, 2, 0, 1, 2]] == -1).all()  # border
    # rotation-invariant uniform: a uniform pattern with four 1 bits
    assert lbp_codes(patch, points=8, method="uniform")[0, 1, 1] == 4
    # non-rotation-invariant uniform: 1 + (ones - 1) * P + rotation = 1 + 3 * 8 + 0
    assert lbp_codes(patch, points=8, method="nri_uniform")[0, 1, 1] == 25


def test_flat_patch_sets_every_bit() -> None:
    flat = np.full((1, 3, 3), 7, np.uint8)
    assert lbp_codes(flat, points=8, method="default")[0, 1, 1] == 255  # >= centre
    assert lbp_codes(flat, points=4, method="default")[0, 1, 1] == 15


@pytest.mark.parametrize("points,radius", [(8, 1), (4, 1), (8, 2), (16, 2)])
@pytest.mark.parametrize("method", ["default", "uniform", "nri_uniform"])
def test_xy_codes_equal_scikit_image(points: int, radius: int, method: str) -> None:
    img = np.random.default_rng(points + radius).integers(0, 256, (24, 31)).astype(np.uint8)
    ours = lbp_codes(img[None], "xy", points=points, radii=(radius, radius, 0), method=method)[0]
    ref = local_binary_pattern(img, points, radius, method=method)
    inner = (slice(radius, -radius), slice(radius, -radius))
    np.testing.assert_array_equal(ours[inner], ref[inner].astype(np.int64))
    assert (ours[:radius] == -1).all() and (ours[:, -radius:] == -1).all()


def test_temporal_planes_use_the_temporal_radius() -> None:
    # brightness grows with time only: on XT and YT planes the later neighbour (t + R_t) is
    # brighter and the earlier one darker; spatial neighbours are equal (>= centre -> 1)
    t = np.arange(9, dtype=np.uint8)[:, None, None] * 10
    volume = np.broadcast_to(t, (9, 5, 6)).copy()
    for plane in ("xt", "yt"):
        codes = lbp_codes(volume, plane, points=4, radii=(1, 1, 3), method="default")
        # P = 4 on a plane whose rows are time: p=0 +space, p=1 -time, p=2 -space, p=3 +time
        assert set(np.unique(codes[3:6, 1:-1, 1:-1])) == {0b1101}
        assert (codes[:3] == -1).all() and (codes[6:] == -1).all()  # R_t = 3 frames each end
    xy = lbp_codes(volume, "xy", points=4, radii=(1, 1, 3), method="default")
    assert (xy[:, 1:-1, 1:-1] == 0b1111).all()  # a flat frame


def test_code_tables() -> None:
    assert n_bins(8) == 59 and n_bins(4) == 15 and n_bins(8, "uniform") == 10
    table = code_table(8, "nri_uniform")
    assert table.min() == 0 and table.max() == 58
    assert len(np.unique(table)) == 59  # 58 uniform patterns + one bin for the rest
    assert (np.bincount(table) == 1).sum() == 58
    with pytest.raises(ValueError):
        n_bins(8, "ror")


def test_block_histograms_normalised_and_ignore_missing_codes() -> None:
    codes = np.zeros((2, 4, 6), np.int64)
    codes[:, :, 3:] = 2
    codes[1, 0, 0] = -1
    hist = block_histograms(codes, (1, 2), bins=3)
    assert hist.shape == (2, 2, 3)
    np.testing.assert_allclose(hist.sum(-1), 1.0)
    np.testing.assert_allclose(hist[0, 0], [1, 0, 0])
    np.testing.assert_allclose(hist[0, 1], [0, 0, 1])
    pooled = block_histograms(codes, (1, 2), bins=3, per_frame=False)
    assert pooled.shape == (2, 3)
    np.testing.assert_allclose(pooled.sum(-1), 1.0)
    empty = block_histograms(np.full((1, 4, 4), -1), (2, 2), bins=3)
    assert (empty == 0).all()
    with pytest.raises(ValueError, match="bins"):
        block_histograms(codes, (1, 2), bins=2)


def test_block_index_covers_the_grid() -> None:
    idx = block_index(64, 64, (6, 6))
    assert idx.shape == (64, 64) and set(np.unique(idx)) == set(range(36))
    counts = np.bincount(idx.ravel())
    assert counts.max() - counts.min() <= 2 * 11 + 1  # near-equal blocks
    with pytest.raises(ValueError):
        block_index(4, 4, (5, 5))


def test_lbp_features_shape_and_grey() -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (5, 3, 24, 24)).astype(np.uint8)
    feats = lbp_features(frames, grid=(3, 3))
    assert feats.shape == (5, 9, 59)
    np.testing.assert_allclose(feats.sum(-1), 1.0)
    grey = to_grey(frames)
    assert grey.dtype == np.uint8 and grey.shape == (5, 24, 24)
    np.testing.assert_array_equal(to_grey(np.full((1, 3, 2, 2), 9, np.uint8)), 9)
