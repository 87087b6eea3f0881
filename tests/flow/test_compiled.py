"""``torch.compile`` for the flow kernels: the switch and the fall-back to eager mode."""

from __future__ import annotations

import logging

import pytest
import torch

from microexp.flow.compiled import compile_available
from microexp.flow.synthetic import make_pairs
from microexp.flow.tvl1 import TorchTVL1


def test_compile_failure_falls_back_to_eager(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(fn, **kwargs):  # noqa: ANN001, ANN202
        def run(*args):  # noqa: ANN002, ANN202
            raise RuntimeError("no compiler here")

        return run

    monkeypatch.setattr(torch, "compile", broken)
    prev, nxt, _ = make_pairs(1, 32, seed=4)
    eng = TorchTVL1(device="cpu", compile=True)
    with caplog.at_level(logging.WARNING, logger="microexp.flow.compiled"):
        flow = eng(prev[:, 0].float(), nxt[:, 0].float())
    assert torch.isfinite(flow).all()
    assert "using eager mode" in caplog.text
    ref = TorchTVL1(device="cpu", compile=False)(prev[:, 0].float(), nxt[:, 0].float())
    torch.testing.assert_close(flow, ref)


def test_compile_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROEXP_FLOW_COMPILE", "0")
    assert not compile_available("cpu")
    monkeypatch.setenv("MICROEXP_FLOW_COMPILE", "1")
    assert compile_available("cpu")
