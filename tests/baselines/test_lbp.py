"""LBP codes on hand-made patches, agreement with scikit-image, LBPTOP.m's codes against a
loop-by-loop transcription of the Matlab code, block histograms."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from microexp.baselines.lbp import (
    PLANES,
    block_histograms,
    block_index,
    code_table,
    lbp_codes,
    lbp_features,
    lbptop_codes,
    n_bins,
    to_grey,
)
from tests.baselines.lbptop_reference import reference_lbptop


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


def marked_voxels() -> np.ndarray:
    """3x3x3 volume: centre 100, bright (200) right of it, above it and in the next frame, 0
    elsewhere. ``LBPTOP.m``'s bits 0 and 1 (P = 4): XY right, up; XT right, next frame; YT next
    frame, up: code 0b0011 = 3 on every plane."""
    v = np.zeros((3, 3, 3), np.uint8)
    v[1, 1, 1] = 100
    v[1, 1, 2] = v[1, 0, 1] = v[2, 1, 1] = 200
    return v


def test_lbptop_codes_follow_the_matlab_neighbour_order() -> None:
    v = marked_voxels()
    codes = lbptop_codes(v, points=4, radii=(1, 1, 1), method="default")
    assert codes.shape == (3, 1, 1, 1)
    assert codes.ravel().tolist() == [3, 3, 3]
    # one brighter voxel at a time, R_t = 2: bit p of each plane lights up for the p-th
    # neighbour of LBPTOP.m, given as (t, y, x) of a 5x3x3 volume centred on (2, 1, 1)
    neighbours = {
        "xy": [(2, 1, 2), (2, 0, 1), (2, 1, 0), (2, 2, 1)],  # x+R, y-R, x-R, y+R
        "xt": [(2, 1, 2), (4, 1, 1), (2, 1, 0), (0, 1, 1)],  # x+R, t+R, x-R, t-R
        "yt": [(4, 1, 1), (2, 0, 1), (0, 1, 1), (2, 2, 1)],  # t+R, y-R, t-R, y+R
    }
    for index, plane in enumerate(PLANES):
        for bit, voxel in enumerate(neighbours[plane]):
            single = np.zeros((5, 3, 3), np.uint8)
            single[2, 1, 1], single[voxel] = 1, 2
            code = lbptop_codes(single, points=4, radii=(1, 1, 2), method="default")
            assert code[index].item() == 1 << bit, (plane, bit)
    # scikit-image's sampling (the "legacy" LBP-TOP) mirrors XT in time and reverses YT
    legacy = [lbp_codes(v, plane, points=4, method="default")[1, 1, 1] for plane in PLANES]
    assert legacy == [3, 0b1001, 0b1100]


@pytest.mark.parametrize("radii", [(1, 1, 1), (1, 1, 4), (2, 1, 3)])
@pytest.mark.parametrize("points", [4, 8])
def test_lbptop_codes_equal_the_matlab_loops(radii: tuple[int, int, int], points: int) -> None:
    rng = np.random.default_rng(sum(radii) + points)
    volume = rng.integers(0, 256, (11, 9, 10)).astype(np.uint8)
    volume[4:7, 3:6, 3:6] = 128  # ties: neighbour == centre sets the bit
    ref = reference_lbptop(volume, points, radii)
    ours = lbptop_codes(volume, points=points, radii=radii, method="default")
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(ours, ref)
    mapped = lbptop_codes(volume, points=points, radii=radii, method="nri_uniform")
    np.testing.assert_array_equal(mapped, code_table(points, "nri_uniform")[ref])


def test_lbptop_codes_one_interior_for_all_planes() -> None:
    volume = np.random.default_rng(3).integers(0, 256, (9, 11, 13)).astype(np.uint8)
    codes = lbptop_codes(volume, points=4, radii=(2, 1, 3), method="default")
    # t in [3, 5], y in [2, 8], x in [2, 10]: max(R_x, R_y) = 2 on both spatial axes
    assert codes.shape == (3, 3, 7, 9) and (codes >= 0).all()
    assert lbptop_codes(volume[:6], points=4, radii=(2, 1, 3)).shape == (3, 0, 7, 9)


@pytest.mark.parametrize("radii", [(1, 1, 1), (1, 1, 4), (2, 1, 3), (2, 2, 2)])
def test_legacy_codes_are_the_matlab_codes_mirrored(radii: tuple[int, int, int]) -> None:
    # P = 4 and whole radii: every neighbour lies on a voxel, so the samplers differ only in
    # the order of the neighbours (and in the interior)
    rng = np.random.default_rng(7)
    volume = rng.integers(0, 256, (10, 8, 9)).astype(np.uint8)
    original = lbptop_codes(volume, points=4, radii=radii, method="default")
    mt, ms = radii[2], max(radii[:2])
    inner = (slice(mt, -mt), slice(ms, -ms), slice(ms, -ms))
    legacy = [lbp_codes(volume, p, points=4, radii=radii, method="default")[inner] for p in PLANES]

    def reorder(codes: np.ndarray, source: list[int]) -> np.ndarray:
        return sum(((codes >> s) & 1) << p for p, s in enumerate(source))

    np.testing.assert_array_equal(legacy[0], original[0])
    np.testing.assert_array_equal(legacy[1], reorder(original[1], [0, 3, 2, 1]))  # t mirrored
    np.testing.assert_array_equal(legacy[2], reorder(original[2], [3, 2, 1, 0]))  # reversed


@pytest.mark.parametrize("radius", [1, 2])
@pytest.mark.parametrize("method", ["default", "nri_uniform"])
def test_lbptop_xy_codes_equal_scikit_image_with_four_points(radius: int, method: str) -> None:
    # with P = 4 and a whole radius every neighbour lies on a pixel, where scikit-image's
    # bilinear sampling and LBPTOP.m's rounding agree (with P = 8 they do not: scikit-image
    # interpolates the diagonal neighbours, LBPTOP.m takes the nearest pixel)
    img = np.random.default_rng(radius).integers(0, 256, (24, 31)).astype(np.uint8)
    ours = lbptop_codes(img[None], points=4, radii=(radius, radius, 0), method=method)[0, 0]
    ref = local_binary_pattern(img, 4, radius, method=method)
    inner = (slice(radius, -radius), slice(radius, -radius))
    np.testing.assert_array_equal(ours, ref[inner].astype(np.int64))


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
