"""Which pairs a clip's flow is computed on: chain, references, the streaming form, HOOF's
frame mapping."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.flow.reference import FlowReference, ReferenceBuffer, chain_length


def test_chain_length() -> None:
    assert [chain_length(n, 4) for n in (0, 1, 4, 5, 8, 9)] == [0, 1, 1, 2, 2, 3]
    assert chain_length(7, 1) == 7


def test_sources_and_pairs() -> None:
    onset = FlowReference("onset", stride=4)
    assert onset.sources(5).tolist() == [0, 0, 0, 0, 0]
    src, dst = onset.pairs(5)
    assert src.tolist() == [0, 0, 0, 0] and dst.tolist() == [1, 2, 3, 4]  # entry 0 is zero
    previous = FlowReference("previous", stride=4)
    src, dst = previous.pairs(4)
    assert src.tolist() == [0, 1, 2] and dst.tolist() == [1, 2, 3]
    lag = FlowReference("lag", stride=2, lag=6)  # three chain entries back, clamped at 0
    assert lag.sources(6).tolist() == [0, 0, 0, 0, 1, 2]
    src, dst = lag.pairs(6)
    assert dst.tolist() == [1, 2, 3, 4, 5] and src.tolist() == [0, 0, 0, 1, 2]
    assert onset.pairs(1)[1].size == 0  # a single frame: nothing to compute


def test_bad_references_are_errors() -> None:
    with pytest.raises(ValueError, match="flow reference"):
        FlowReference("first")
    with pytest.raises(ValueError, match="multiple of the frame stride"):
        FlowReference("lag", stride=4, lag=6)
    with pytest.raises(ValueError, match="multiple of the frame stride"):
        FlowReference("lag", stride=4, lag=0)
    with pytest.raises(ValueError, match="stride"):
        FlowReference("onset", stride=0)
    assert FlowReference("onset", 4, lag=6).as_dict() == {
        "reference": "onset",
        "stride": 4,
        "lag": None,  # the lag does not change an onset-referenced flow: not in the key
    }


@pytest.mark.parametrize(
    "reference",
    [FlowReference("onset", 2), FlowReference("previous", 3), FlowReference("lag", 2, lag=6)],
)
def test_stream_gives_the_same_pairs(reference: FlowReference) -> None:
    n = 9
    buffer = ReferenceBuffer(reference)
    got = [buffer.push(j) for j in range(n)]  # frames stand in as their chain index
    src = reference.sources(n)
    assert got[0] is None
    assert got[1:] == src[1:].tolist()
    back = reference.back
    assert len(buffer._recent) <= (back or 0)  # never the whole stream


def test_entry_of_frame() -> None:
    # onset/lag: the nearest chain frame (frames 0, 4, 8, 12 for 13 frames)
    onset = FlowReference("onset", 4)
    assert onset.entry_of_frame(13, 4).tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]
    # previous: the step whose span holds the frame (entry j spans frames 4(j-1) .. 4j)
    previous = FlowReference("previous", 4)
    assert previous.entry_of_frame(13, 4).tolist() == [1] * 4 + [2] * 4 + [3] * 5
    with pytest.raises(ValueError):
        onset.entry_of_frame(5, 0)
    assert np.all(FlowReference("previous", 1).entry_of_frame(3, 3) == [1, 2, 2])
