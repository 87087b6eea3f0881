"""The long-video store and its datasets on a tiny synthetic CAS(ME)^2: chunked caches equal to
the whole video computed at once, targets, damaged chunks recomputed, training windows around
and away from expressions, test chunks covering every step once, in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.data.augment import AugmentConfig
from microexp.data.frames import load_frames
from microexp.data.video_store import VideoStore, chunk_id
from microexp.data.video_windows import VideoChunks, VideoWindows, collate_chunks
from microexp.flow.cache import FlowCache
from microexp.flow.params import TVL1Params
from microexp.flow.reference import FlowReference
from tests.long_video_store import CHEAP_FLOW, tiny_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> VideoStore:
    return tiny_store(tmp_path_factory.mktemp("long"), compensate_head=False)


@pytest.fixture(scope="module")
def videos(store: VideoStore):
    return store.prepare().videos


def test_chunked_caches_equal_the_whole_video_at_once(store, videos, tmp_path: Path) -> None:
    pv = max(videos, key=lambda v: v.steps)
    assert pv.steps + 1 > 2 * store.chunk  # the video spans several chunks
    whole = load_frames(pv.video.frames[::2], 32, crop="face").frames
    assert np.array_equal(pv.frames(0, pv.steps + 1), whole.numpy())
    reference = FlowReference("lag", 2, 4)
    cache = FlowCache(
        tmp_path, fingerprint="whole", size=32, reference=reference, backend="opencv",
        params=TVL1Params(**CHEAP_FLOW),
    )  # fmt: skip
    at_once = cache.get("v", whole)
    streamed = pv.motion(0, pv.steps + 1)
    assert np.abs(streamed).max() > 0.05  # something moves
    np.testing.assert_allclose(streamed, at_once.astype(np.float32), atol=1e-3)


def test_targets_peak_at_each_apex_and_mark_the_expressions(videos) -> None:
    for pv in videos:
        for e in pv.video.expressions:
            at = np.flatnonzero(pv.numbers == e.apex)
            assert pv.intensity[at] == pytest.approx(1.0)
            assert pv.inside[(pv.numbers >= e.onset) & (pv.numbers <= e.offset)].all()
        if not pv.video.expressions:
            assert not pv.inside.any() and not pv.intensity.any()
    assert any(pv.inside.any() for pv in videos)


def test_a_damaged_chunk_is_recomputed(store, videos) -> None:
    pv = videos[0]
    before = pv.motion(0, pv.steps + 1)
    store.flow_cache(store.read()).path(chunk_id(pv.id, 1)).write_bytes(b"junk")
    again = store.prepare().videos[0]
    np.testing.assert_array_equal(again.motion(0, pv.steps + 1), before)


def test_test_chunks_cover_every_step_once_in_order(videos) -> None:
    chunks = VideoChunks(videos, chunk=10)
    seen: dict[int, list[int]] = {}
    for i in range(len(chunks)):
        batch = collate_chunks([chunks[i]])
        n = int(batch["valid"].sum())
        numbers = batch["frame_numbers"][0, 1 : n + 1].tolist()
        assert batch["first"][0] == (batch["video"][0] not in seen)
        seen.setdefault(batch["video"][0], []).extend(numbers)
        assert batch["last"][0] == (
            len(seen[batch["video"][0]]) == videos[batch["video"][0]].steps
        )
    for v, numbers in seen.items():
        assert numbers == videos[v].numbers[1:].tolist()


def test_windows_hold_an_apex_when_drawn_around_expressions(videos) -> None:
    def windows(around: float) -> VideoWindows:
        return VideoWindows(videos, seq_len=8, copies=4, around=around, seed=0,
                            augment=AugmentConfig())  # fmt: skip

    around, anywhere = windows(1.0), windows(0.0)
    apexes = {e.apex for pv in videos for e in pv.video.expressions}
    for k in range(len(around)):
        item = around[k]
        first, last = item["frame_numbers"][0], item["frame_numbers"][-1]
        assert any(first < apex <= last for apex in apexes)  # its steps reach the apex
        assert item["frames"].shape == (9, 3, 32, 32) and item["flow"].shape == (8, 2, 32, 32)
    starts = [anywhere.window(0, k) for k in range(len(anywhere))]
    assert starts == [anywhere.window(0, k) for k in range(len(anywhere))]  # seeded
    assert starts != [anywhere.window(1, k) for k in range(len(anywhere))]  # per epoch
    assert torch.equal(around[3]["frames"], around[3]["frames"])
