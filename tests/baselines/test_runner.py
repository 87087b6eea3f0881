"""The runner's references: the flow-magnitude apex of the store's flow, head motion removed."""

from __future__ import annotations

import numpy as np

from microexp.baselines.runner import flow_apex
from microexp.data.records import Clip
from microexp.data.store import PreparedClip


def _clip(flow: np.ndarray | None) -> PreparedClip:
    numbers = np.arange(40, 52)
    clip = Clip("sub01", "EP01", [], list(numbers), 40, 46, 51, "happiness", 0)
    n = numbers.size
    return PreparedClip(
        clip, np.zeros((n, 3, 8, 8), np.uint8), numbers, np.zeros(n, np.float32),
        np.zeros(n, np.int64), np.ones(n, bool), flow=flow,
    )  # fmt: skip


def test_flow_reference_on_a_planted_bump() -> None:
    # 12 frames at stride 2: 10 flow fields, field j ending at frame 42 + j
    flow = np.zeros((10, 2, 8, 8), np.float16)
    flow[6, :, 2:4, 2:4] = 3.0  # the face moves: field 6, frame 48
    flow[3] += 5.0  # the whole head moves more: field 3, frame 45
    assert flow_apex(_clip(flow), compensate=True) == 48
    assert flow_apex(_clip(flow), compensate=False) == 45
    assert flow_apex(_clip(None), compensate=True) is None
