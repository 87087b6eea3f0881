"""Shared fixtures for the flow tests: face pairs with known motion and OpenCV's flow on them."""

from __future__ import annotations

import pytest
import torch

from microexp.flow import compute_flow
from microexp.flow.synthetic import make_pairs


@pytest.fixture(autouse=True)
def _eager_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast tests run eagerly; the compiled path has its own (slow) tests."""
    monkeypatch.setenv("MICROEXP_FLOW_COMPILE", "0")


@pytest.fixture(scope="session")
def subpixel_pairs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """6 face pairs at 64 x 64 moved by smooth flows of at most 0.2-1 px."""
    return make_pairs(6, 64, seed=11, magnitude=(0.2, 1.0))


@pytest.fixture(scope="session")
def pairs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """8 face pairs at 64 x 64 moved by smooth flows of at most 0.1-3 px."""
    return make_pairs(8, 64, seed=3)


@pytest.fixture(scope="session")
def opencv_on_pairs(pairs: tuple[torch.Tensor, ...]) -> torch.Tensor:
    prev, nxt, _ = pairs
    return compute_flow(prev, nxt, backend="opencv")
