"""Tests of the context-contrast module (eqs. 1-3)."""

from __future__ import annotations

import pytest
import torch

from microexp.models.contrast import ContextContrast
from microexp.models.layers import scaled


@pytest.mark.parametrize("width", [1.0, 0.25])
@pytest.mark.parametrize("steps", [1, 14, 120])
def test_sequence_shapes(width: float, steps: int) -> None:
    c = scaled(128, width)
    module = ContextContrast(c)
    with torch.no_grad():
        out = module.forward_sequence(torch.randn(2, steps + 1, c, 8, 8))
    assert out.shape == (2, steps, c, 8, 8)


def test_sequence_equals_pairs() -> None:
    module = ContextContrast(8)
    fm = torch.randn(2, 5, 8, 8, 8)
    with torch.no_grad():
        seq = module.forward_sequence(fm)
        for t in range(4):
            torch.testing.assert_close(seq[:, t], module(fm[:, t], fm[:, t + 1]))


def test_equations() -> None:
    module = ContextContrast(4)
    captured: list[torch.Tensor] = []
    module.fuse.register_forward_hook(lambda _m, inp, _out: captured.append(inp[0]))
    a, b = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        module(a, b)
        loc, ctx = module.local, module.context
        expected = torch.cat((a, loc(a) - ctx(b), loc(a) - loc(b), loc(b) - ctx(a)), dim=1)
    torch.testing.assert_close(captured[0], expected)
    assert module.context[0].kernel_size == 3
    assert module.context[1].dilation == (2, 2)
