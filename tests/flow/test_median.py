from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
import torch

from microexp.flow.median import (
    apply_network,
    median_blur,
    median_functions,
    median_network,
)


@pytest.mark.parametrize("k", [3, 5])
def test_column_network_sorts_every_01_input(k: int) -> None:
    # 0-1 principle: a comparator network sorts all inputs iff it sorts all 0/1 inputs
    net = median_network(k)
    cases = torch.tensor(list(itertools.product([0.0, 1.0], repeat=k))).T  # (k, 2^k)
    wires = apply_network(net.column_ops, list(cases) + [None] * 8)
    got = torch.stack(wires[:k])
    assert torch.equal(got, cases.sort(0).values)


@pytest.mark.parametrize("k", [3, 5])
def test_window_network_selects_the_median_of_every_01_input(k: int) -> None:
    # inputs are k sorted columns; with 0/1 values a sorted column is its number of ones
    net = median_network(k)
    ones = torch.tensor(list(itertools.product(range(k + 1), repeat=k)))  # (cases, k)
    ranks = torch.arange(k)
    cols = (ranks[None, None, :] >= (k - ones)[..., None]).float()  # (cases, column, rank)
    wires: list = [None] * net.n_wires
    for c in range(k):
        for r in range(k):
            wires[net.slots[c][r]] = cols[:, c, r]
    out = apply_network(net.window_ops, wires)[net.out]
    truth = cols.reshape(len(cols), -1).median(1).values
    assert torch.equal(out, truth)
    # the generated straight-line code computes the same thing
    _, window = median_functions(k)
    (gen,) = window(*[cols[:, c, r] for c in range(k) for r in range(k)])
    assert torch.equal(gen, truth)


def test_network_sizes() -> None:
    assert median_network(5).cost == (18, 140)
    assert median_network(3).cost[0] == 6
    with pytest.raises(ValueError):
        median_network(7)


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("shape", [(5, 5), (17, 23), (64, 64), (26, 41)])
def test_median_blur_equals_opencv(k: int, shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape) + k)
    x = rng.normal(size=(3, *shape)).astype(np.float32)
    x[0, :2] = 0.25  # ties
    ref = np.stack([cv2.medianBlur(i, k) for i in x])
    got = median_blur(torch.from_numpy(x), k).numpy()
    np.testing.assert_array_equal(got, ref)


def test_median_blur_keeps_leading_axes() -> None:
    x = torch.randn(2, 3, 9, 10)
    assert median_blur(x, 5).shape == x.shape
    assert torch.equal(median_blur(x, 1), x)
