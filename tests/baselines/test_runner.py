"""The runner's references: the flow-magnitude apex of the store's chain flow, head motion
removed when the store fitted it."""

from __future__ import annotations

import numpy as np

from microexp.baselines.runner import flow_apex
from microexp.data.records import Clip
from microexp.data.store import PreparedClip
from microexp.flow.head_motion import fit_head_motion


def _clip(flow: np.ndarray | None, head: np.ndarray | None = None) -> PreparedClip:
    numbers = np.arange(40, 52)
    clip = Clip("sub01", "EP01", [], list(numbers), 40, 46, 51, "happiness", 0)
    n = numbers.size
    return PreparedClip(
        clip, np.zeros((n, 3, 8, 8), np.uint8), numbers, np.zeros(n, np.float32),
        np.zeros(n, np.int64), np.ones(n, bool), stride=2, flow=flow, head=head,
    )  # fmt: skip


def test_flow_reference_on_a_planted_bump() -> None:
    # 12 frames at stride 2: a chain of 6 entries, entry j at frame 40 + 2 j
    flow = np.zeros((6, 2, 8, 8), np.float16)
    flow[4, :, 2:4, 2:4] = 3.0  # the face moves: entry 4, frame 48
    flow[2] += 5.0  # the whole head moves more: entry 2, frame 44
    head = fit_head_motion(flow.astype(np.float32))
    assert flow_apex(_clip(flow, head)) == 48
    assert flow_apex(_clip(flow)) == 44
    assert flow_apex(_clip(None)) is None
