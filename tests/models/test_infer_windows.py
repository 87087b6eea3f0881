"""Evaluation in training-length windows: the GRU state reset at each window, so a network
trained on windows of W steps never runs more than W steps at evaluation either."""

from __future__ import annotations

import pytest
import torch

from microexp.models.joint import CPU_WIDTH, JointNet, infer_clip, infer_windows
from tests.models.helpers import synthetic_batch


def test_windows_reset_the_state_and_match_training_lengths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = JointNet(width=CPU_WIDTH).eval()
    frames, flow = synthetic_batch(2, 7)
    window = 3
    runs: list[int] = []  # GRU steps from each fresh state to the next
    forward = JointNet.forward

    def counting(self, frames, flow, hidden=None):  # noqa: ANN001, ANN202
        if hidden is None:
            runs.append(0)
        runs[-1] += flow.shape[1]
        return forward(self, frames, flow, hidden)

    monkeypatch.setattr(JointNet, "forward", counting)
    out = infer_windows(net, frames, flow, window, chunk=2)
    assert runs == [3, 3, 1]  # 7 steps: two whole windows and the rest
    assert max(runs) == window  # as long as a training window, never the whole clip
    assert out.probs.shape == (2, 7, 5) and out.intensity.shape == (2, 7)
    monkeypatch.undo()
    # each window is a clip of its own: the same as inferring it alone from a zero state
    for a in range(0, 7, window):
        alone = infer_clip(net, frames[:, a : a + window + 1], flow[:, a : a + window])
        torch.testing.assert_close(out.intensity[:, a : a + window], alone.intensity)
        torch.testing.assert_close(out.probs[:, a : a + window], alone.probs)
    # a window as long as the clip is whole-clip inference
    whole = infer_clip(net, frames, flow)
    torch.testing.assert_close(infer_windows(net, frames, flow, 7).intensity, whole.intensity)
    with pytest.raises(ValueError, match="window"):
        infer_windows(net, frames, flow, 0)
