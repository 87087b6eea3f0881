"""Tests of the visual memory module (GRU and ConvGRU)."""

from __future__ import annotations

import pytest
import torch

from microexp.models.memory import ConvGRU, VisualMemory


@pytest.mark.parametrize("conv_gru", [False, True])
@pytest.mark.parametrize("width", [1.0, 0.25])
@pytest.mark.parametrize("steps", [1, 14, 120])
def test_shapes(width: float, steps: int, conv_gru: bool) -> None:
    memory = VisualMemory(33, 8, width=width, num_classes=5, conv_gru=conv_gru)
    d = memory.dim
    with torch.no_grad():
        out = memory(torch.randn(1, steps, 33, 8, 8))
    assert out.logits.shape == (1, steps, 5)
    assert out.intensity.shape == (1, steps)
    assert ((out.intensity >= 0) & (out.intensity <= 1)).all()
    assert out.hidden.shape == ((1, d, 8, 8) if conv_gru else (1, d))


def test_dims() -> None:
    assert VisualMemory(33, 8, width=1.0).dim == 256
    assert VisualMemory(33, 8, width=0.25).dim == 64
    gru = VisualMemory(33, 8, width=1.0, conv_gru=True).gru
    assert isinstance(gru, ConvGRU)
    assert gru.gate_conv.kernel_size == (7, 7)
    with pytest.raises(ValueError):
        VisualMemory(33, 8)(torch.randn(1, 2, 33, 4, 4))


def _chunked(memory: VisualMemory, x: torch.Tensor, sizes: list[int]) -> tuple[torch.Tensor, ...]:
    hidden = None
    logits, intensity = [], []
    start = 0
    for size in sizes:
        out = memory(x[:, start : start + size], hidden)
        logits.append(out.logits)
        intensity.append(out.intensity)
        hidden = out.hidden
        start += size
    assert start == x.shape[1]
    return torch.cat(logits, 1), torch.cat(intensity, 1), hidden


@pytest.mark.parametrize("conv_gru", [False, True])
@pytest.mark.parametrize("sizes", [[1] * 11, [3, 1, 5, 2], [10, 1]])
def test_stepwise_equals_whole(conv_gru: bool, sizes: list[int]) -> None:
    memory = VisualMemory(33, 8, width=0.25, conv_gru=conv_gru).eval()
    x = torch.randn(2, 11, 33, 8, 8)
    with torch.no_grad():
        whole = memory(x)
        logits, intensity, hidden = _chunked(memory, x, sizes)
    torch.testing.assert_close(logits, whole.logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(intensity, whole.intensity, atol=1e-5, rtol=0)
    torch.testing.assert_close(hidden, whole.hidden, atol=1e-5, rtol=0)


def test_gru_keeps_pytorch_init() -> None:
    """The GRU is excluded from Xavier: its biases are not zeroed (PyTorch's uniform init)."""
    memory = VisualMemory(33, 8, width=0.25)
    assert torch.count_nonzero(memory.gru.bias_hh_l0) > 0
    conv = VisualMemory(33, 8, width=0.25, conv_gru=True).gru
    assert torch.count_nonzero(conv.input_conv.bias) > 0
    assert torch.count_nonzero(memory.reduce[0].bias) == 0  # outside the GRU: Xavier, zero bias
