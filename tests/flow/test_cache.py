"""FlowCache: keys, the pairs of each reference, flow size, atomic writes, reuse, detection and
recomputation of bad entries."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.flow import TVL1Params, compute_flow
from microexp.flow.brightness import match_brightness
from microexp.flow.cache import FillStats, FlowCache
from microexp.flow.reference import FlowReference
from microexp.flow.resize import resize_flow
from microexp.flow.synthetic import make_pairs

SIZE = 32


def _clip(seed: int, n_frames: int, size: int = SIZE) -> torch.Tensor:
    """(n_frames, 3, size, size) uint8 chain frames: a face moving back and forth a little."""
    prev, nxt, _ = make_pairs(1, size, seed=seed, magnitude=(0.2, 0.8))
    return torch.cat([prev, nxt] * n_frames)[:n_frames]


def _expected(
    frames: torch.Tensor,
    reference: FlowReference | None = None,
    backend: str = "torch",
    size: int = SIZE,
) -> np.ndarray:
    """What the cache must hold: entry j = flow(reference(j) -> j), brightness matched, shrunk
    to ``size``; entry 0 zero."""
    src, dst = (reference or FlowReference()).pairs(len(frames))
    out = np.zeros((len(frames), 2, size, size), np.float32)
    if len(dst):
        a, b = match_brightness(frames[src], frames[dst])
        flow = compute_flow(a, b, backend, "cpu", workers=1)
        out[dst] = resize_flow(flow, size).numpy()
    return out


@pytest.fixture(scope="module")
def clips() -> dict[str, torch.Tensor]:
    return {
        "sub01/EP02_01f": _clip(1, 4),
        "sub01/EP03_02": _clip(2, 5),
        "sub02/EP01_01": _clip(3, 3),
    }


def _cache(root: Path, **kw) -> FlowCache:  # noqa: ANN003
    kw.setdefault("fingerprint", "casme2-test")
    kw.setdefault("size", SIZE)
    kw.setdefault("workers", 1)
    return FlowCache(root, **kw)


def _sources(clips: dict[str, torch.Tensor], calls: list[str] | None = None) -> list:
    def loader(cid: str):  # noqa: ANN202
        def load() -> torch.Tensor:
            if calls is not None:
                calls.append(cid)
            return clips[cid]

        return load

    return [(cid, loader(cid)) for cid in clips]


def test_key_depends_on_every_input(tmp_path: Path) -> None:
    base = _cache(tmp_path)
    assert base.key == _cache(tmp_path).key
    assert len(base.key) >= 16 and int(base.key, 16) >= 0
    others = [
        _cache(tmp_path, fingerprint="other"),
        _cache(tmp_path, size=64),
        _cache(tmp_path, backend="opencv"),
        _cache(tmp_path, params=TVL1Params(warps=4)),
        _cache(tmp_path, params=TVL1Params(lambda_=0.2)),
        _cache(tmp_path, flow_size=64),
        _cache(tmp_path, reference=FlowReference("previous")),
        _cache(tmp_path, reference=FlowReference("onset", stride=4)),
        _cache(tmp_path, reference=FlowReference("lag", stride=2, lag=4)),
        _cache(tmp_path, reference=FlowReference("lag", stride=2, lag=6)),
    ]
    assert len({base.key, *(c.key for c in others)}) == 11
    # device, batch size and worker count do not change the result, hence not the key
    assert _cache(tmp_path, device="cpu", batch_pairs=7, workers=2).key == base.key
    with pytest.raises(ValueError):
        _cache(tmp_path, backend="farneback")
    with pytest.raises(ValueError, match="flow_size"):
        _cache(tmp_path, flow_size=16)


def test_fill_then_reuse(tmp_path: Path, clips: dict[str, torch.Tensor]) -> None:
    cache = _cache(tmp_path)
    calls: list[str] = []
    stats = cache.fill(_sources(clips, calls), progress=False)
    assert isinstance(stats, FillStats)
    assert (stats.computed, stats.reused, stats.recomputed) == (3, 0, 0)
    assert stats.pairs == sum(len(f) - 1 for f in clips.values())
    for cid, frames in clips.items():
        arr = cache.load(cid, len(frames))
        assert arr is not None and arr.dtype == np.float16
        assert arr.shape == (len(frames), 2, SIZE, SIZE)  # one entry per chain frame
        assert not arr[0].any()  # entry 0 has no earlier frame
        np.testing.assert_allclose(arr.astype(np.float32), _expected(frames), atol=2e-3, rtol=1e-3)
    assert (cache.dir / "meta.json").exists()
    # second pass: nothing computed, no frames even loaded
    calls.clear()
    again = cache.fill(_sources(clips, calls), progress=False)
    assert (again.computed, again.reused, again.recomputed, again.pairs) == (0, 3, 0, 0)
    assert calls == []


def test_pairs_of_different_clips_share_batches(
    tmp_path: Path, clips: dict[str, torch.Tensor], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _cache(tmp_path, batch_pairs=4)
    sizes: list[int] = []
    original = FlowCache._compute

    def spy(self: FlowCache, prev: torch.Tensor, nxt: torch.Tensor) -> torch.Tensor:
        sizes.append(prev.shape[0])
        return original(self, prev, nxt)

    monkeypatch.setattr(FlowCache, "_compute", spy)
    cache.fill(_sources(clips), progress=False)
    assert sizes == [4, 4, 1]  # 3 + 4 + 2 pairs
    for cid, frames in clips.items():
        np.testing.assert_allclose(
            cache.load(cid, len(frames)).astype(np.float32),
            _expected(frames),
            atol=2e-3,
            rtol=1e-3,
        )


def test_bad_entries_are_recomputed(
    tmp_path: Path, clips: dict[str, torch.Tensor], caplog: pytest.LogCaptureFixture
) -> None:
    cache = _cache(tmp_path)
    cache.fill(_sources(clips), progress=False)
    ids = list(clips)
    good = {cid: cache.path(cid).read_bytes() for cid in ids}
    # truncated
    p0 = cache.path(ids[0])
    p0.write_bytes(good[ids[0]][: len(good[ids[0]]) // 2])
    # wrong dtype
    np.save(cache.path(ids[1]), np.zeros((len(clips[ids[1]]), 2, SIZE, SIZE), np.float32))
    with caplog.at_level(logging.WARNING, logger="microexp.flow.cache"):
        assert cache.load(ids[0], len(clips[ids[0]])) is None
    assert str(p0) in caplog.text
    stats = cache.fill(_sources(clips), progress=False)
    assert (stats.computed, stats.recomputed, stats.reused) == (0, 2, 1)
    for cid in ids:
        assert cache.path(cid).read_bytes() == good[cid]


def test_wrong_frame_count_is_detected(tmp_path: Path, clips: dict[str, torch.Tensor]) -> None:
    cache = _cache(tmp_path)
    cid = "sub02/EP01_01"
    frames = clips[cid]
    cache.fill([(cid, lambda: frames)], progress=False)
    assert cache.load(cid, len(frames)) is not None
    assert cache.load(cid, len(frames) + 1) is None  # the clip grew: stale entry
    longer = torch.cat([frames, frames[-1:]])
    stats = cache.fill([(cid, lambda: longer, len(longer))], progress=False)
    assert stats.recomputed == 1
    assert cache.load(cid, len(longer)).shape[0] == len(longer)
    # get() checks the count from the frames it is given
    assert cache.get(cid, frames).shape[0] == len(frames)
    assert cache.load(cid, len(frames)) is not None


def test_get_loads_or_computes(
    tmp_path: Path, clips: dict[str, torch.Tensor], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _cache(tmp_path)
    cid, frames = "sub01/EP02_01f", clips["sub01/EP02_01f"]
    first = cache.get(cid, frames)
    assert first.dtype == np.float16 and cache.path(cid).exists()

    def fail(*args: object) -> None:
        raise AssertionError("should have been read from the cache")

    monkeypatch.setattr(FlowCache, "_compute", fail)
    np.testing.assert_array_equal(cache.get(cid, frames), first)
    with pytest.raises(ValueError, match="frames"):
        cache.get(cid, frames[:, :, :16])


def test_writes_are_atomic(
    tmp_path: Path, clips: dict[str, torch.Tensor], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _cache(tmp_path)
    cid = "sub01/EP03_02"
    cache.fill([(cid, lambda: clips[cid])], progress=False)
    before = cache.path(cid).read_bytes()
    # every file reaches its place by os.replace from a temporary file in the same folder
    moves: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        moves.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    cache.store(cid, np.ones((len(clips[cid]), 2, SIZE, SIZE), np.float16))
    assert len(moves) == 1
    src, dst = moves[0]
    assert Path(src).parent == Path(dst).parent == cache.dir and dst == str(cache.path(cid))
    monkeypatch.setattr(os, "replace", real_replace)

    # a writer that dies half-way leaves the old entry intact and no temporary file
    cache.path(cid).write_bytes(before)

    def dying_save(f, arr, allow_pickle=False):  # noqa: ANN001, ANN202
        f.write(b"\x93NUMPY partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        cache.store(cid, np.zeros((len(clips[cid]), 2, SIZE, SIZE), np.float16))
    assert cache.path(cid).read_bytes() == before
    assert sorted(p.name for p in cache.dir.iterdir()) == sorted(
        ["meta.json", cache.path(cid).name]
    )


def test_store_refuses_wrong_shapes(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    with pytest.raises(ValueError):
        cache.store("x", np.zeros((3, 2, SIZE + 1, SIZE), np.float16))


def test_single_frame_clip_and_progress_output(
    tmp_path: Path, clips: dict[str, torch.Tensor], capsys: pytest.CaptureFixture
) -> None:
    cache = _cache(tmp_path)
    one = clips["sub02/EP01_01"][:1]
    stats = cache.fill([("solo", lambda: one), *_sources(clips)], progress=True)
    assert stats.computed == 4
    solo = cache.load("solo", 1)
    assert solo.shape == (1, 2, SIZE, SIZE) and not solo.any()
    out = capsys.readouterr()
    assert out.out == ""  # the progress bar goes to stderr, stdout stays clean


def test_opencv_backend(tmp_path: Path, clips: dict[str, torch.Tensor]) -> None:
    cache = _cache(tmp_path, backend="opencv")
    cid, frames = "sub02/EP01_01", clips["sub02/EP01_01"]
    stats = cache.fill([(cid, lambda: frames)], progress=False)
    assert stats.computed == 1
    ref = _expected(frames, backend="opencv")
    np.testing.assert_allclose(
        cache.load(cid, len(frames)).astype(np.float32), ref, atol=2e-3, rtol=1e-3
    )


def test_opencv_backend_with_a_pool(tmp_path: Path, clips: dict[str, torch.Tensor]) -> None:
    cache = _cache(tmp_path, backend="opencv", workers=2)
    stats = cache.fill(_sources(clips), progress=False)
    assert stats.computed == 3
    for cid, frames in clips.items():
        ref = _expected(frames, backend="opencv")
        np.testing.assert_allclose(
            cache.load(cid, len(frames)).astype(np.float32), ref, atol=2e-3, rtol=1e-3
        )


@pytest.mark.parametrize(
    "reference",
    [FlowReference("previous", stride=2), FlowReference("lag", stride=2, lag=4)],
)
def test_each_reference_pairs_its_frames(tmp_path: Path, reference: FlowReference) -> None:
    frames = _clip(4, 5)  # chain frames
    cache = _cache(tmp_path, reference=reference)
    stats = cache.fill([("c", lambda: frames, 5)], progress=False)
    assert stats.pairs == 4
    got = cache.load("c", 5).astype(np.float32)
    np.testing.assert_allclose(got, _expected(frames, reference), atol=2e-3, rtol=1e-3)
    back = 1 if reference.kind == "previous" else 2
    direct = _expected(frames[[4 - back, 4]], FlowReference("previous"))[1]  # chain 4 - back -> 4
    np.testing.assert_allclose(got[4], direct, atol=2e-3, rtol=1e-3)


def test_flow_computed_at_flow_size_and_shrunk(tmp_path: Path) -> None:
    frames = _clip(5, 3, size=2 * SIZE)  # chain frames at the flow size
    cache = _cache(tmp_path, flow_size=2 * SIZE)
    stats = cache.fill([("c", lambda: frames, 3)], progress=False)
    assert stats.pairs == 2
    got = cache.load("c", 3)
    assert got.shape == (3, 2, SIZE, SIZE)
    big = _expected(frames, size=2 * SIZE)
    shrunk = resize_flow(torch.from_numpy(big), SIZE).numpy()
    np.testing.assert_allclose(got.astype(np.float32), shrunk, atol=2e-3, rtol=1e-3)
    assert np.abs(shrunk).max() > 0.1  # moving: a real comparison
    with pytest.raises(ValueError, match="chain frames"):
        cache.get("d", _clip(5, 3))  # frames at the stored size, not the flow size
