"""Damaged flow-cache and frame-cache entries are detected and recomputed, never a crash.

The damage is what a crash, a full disk or a stray tool leaves behind: an entry cut short at any
byte, an empty file, random bytes, a zip archive or ``.npz`` where a ``.npy`` belongs, a header
that promises a huge array, an array of the wrong shape or dtype. Hypothesis draws the cut points
and the bytes.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microexp.data.datamodule import MicroExpDataModule
from microexp.data.datasets.casme2 import load_casme2
from microexp.data.frame_cache import FrameCache
from microexp.flow.cache import FlowCache
from microexp.flow.synthetic import make_pairs

SIZE = 16
CLIP = "sub01/EP02_01f"
N_FRAMES = 4  # chain frames: one flow entry each
FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
BIG = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _frames() -> torch.Tensor:
    prev, nxt, _ = make_pairs(1, SIZE, seed=3, magnitude=(0.2, 0.8))
    return torch.cat([prev, nxt] * N_FRAMES)[:N_FRAMES]


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _huge_header(descr: str, shape: tuple[int, ...]) -> bytes:
    """A valid .npy header promising ``shape`` (terabytes), followed by a few bytes."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue() + b"\x00" * 64


def _npz_bytes() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, flow=np.zeros((3, 2, SIZE, SIZE), np.float16))
    return buf.getvalue()


#: Named kinds of damage, each a function of the good entry's bytes.
NAMED_DAMAGE = {
    "empty": lambda good: b"",
    "header only": lambda good: good[:128],
    "cut by one byte": lambda good: good[:-1],
    "half": lambda good: good[: len(good) // 2],
    "random bytes": lambda good: np.random.default_rng(0).bytes(len(good)),
    "zip magic": lambda good: b"PK\x03\x04" + np.random.default_rng(1).bytes(200),
    "an .npz archive": lambda good: _npz_bytes(),
    "pickle": lambda good: b"\x80\x04\x95" + good[3:],
    "huge header": lambda good: _huge_header("<f2", (10**9, 2, SIZE, SIZE)),
    "wrong dtype": lambda good: _npy_bytes(np.zeros((N_FRAMES, 2, SIZE, SIZE), np.float32)),
    "wrong shape": lambda good: _npy_bytes(np.zeros((N_FRAMES, 2, SIZE, SIZE + 1), np.float16)),
    "wrong length": lambda good: _npy_bytes(np.zeros((N_FRAMES + 1, 2, SIZE, SIZE), np.float16)),
    "NaN values": lambda good: _npy_bytes(np.full((N_FRAMES, 2, SIZE, SIZE), np.nan, np.float16)),
    "text": lambda good: b"flow goes here\n" * 10,
}


@pytest.fixture(scope="module")
def flow_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A filled one-clip flow cache (its root) and the good entry's bytes."""
    root = tmp_path_factory.mktemp("flowcache")
    cache = _flow_cache(root)
    frames = _frames()
    cache.fill([(CLIP, lambda: frames, N_FRAMES)], progress=False)
    return root, cache.path(CLIP).read_bytes()


def _flow_cache(root: Path) -> FlowCache:
    return FlowCache(root, fingerprint="reliability", size=SIZE, backend="opencv", workers=1)


def _damage_and_refill(root: Path, good: bytes, damaged: bytes) -> None:
    """Write ``damaged`` over the entry; load must not raise; fill must restore ``good``."""
    cache = _flow_cache(root)
    path = cache.path(CLIP)
    path.write_bytes(damaged)
    loaded = cache.load(CLIP, N_FRAMES)  # must not raise
    if loaded is not None:  # damage that left a complete, plausible entry cannot be seen
        assert loaded.dtype == np.float16 and loaded.shape == (N_FRAMES, 2, SIZE, SIZE)
        assert np.isfinite(loaded).all()
        return
    frames = _frames()
    stats = cache.fill([(CLIP, lambda: frames, N_FRAMES)], progress=False)
    assert (stats.recomputed, stats.reused, stats.computed) == (1, 0, 0)
    assert path.read_bytes() == good
    assert cache.load(CLIP, N_FRAMES) is not None


@pytest.mark.parametrize("kind", sorted(NAMED_DAMAGE))
def test_flow_cache_entry_damage_is_recomputed(
    kind: str, flow_reference: tuple[Path, bytes], tmp_path: Path
) -> None:
    root = tmp_path / "c"
    shutil.copytree(flow_reference[0], root)
    good = flow_reference[1]
    cache = _flow_cache(root)
    cache.path(CLIP).write_bytes(NAMED_DAMAGE[kind](good))
    assert cache.load(CLIP, N_FRAMES) is None, kind  # each of these is detectable
    _damage_and_refill(root, good, NAMED_DAMAGE[kind](good))


def _fuzz_flow_entry(flow_reference: tuple[Path, bytes], tmp_path: Path, data) -> None:  # noqa: ANN001
    good = flow_reference[1]
    root = Path(tempfile.mkdtemp(dir=tmp_path)) / "c"
    shutil.copytree(flow_reference[0], root)
    how = data.draw(st.sampled_from(["truncate", "overwrite", "splice"]))
    if how == "truncate":
        damaged = good[: data.draw(st.integers(0, len(good) - 1))]
    elif how == "overwrite":
        damaged = data.draw(st.binary(max_size=2 * len(good)))
    else:  # random bytes written over a random stretch of the entry
        at = data.draw(st.integers(0, len(good) - 1))
        patch = data.draw(st.binary(min_size=1, max_size=64))
        damaged = (good[:at] + patch + good[at + len(patch) :])[: len(good)]
    _damage_and_refill(root, good, damaged)


@FAST
@given(data=st.data())
def test_flow_cache_fuzzed_damage_never_crashes(
    flow_reference: tuple[Path, bytes], tmp_path: Path, data
) -> None:  # noqa: ANN001
    _fuzz_flow_entry(flow_reference, tmp_path, data)


@pytest.mark.slow
@BIG
@given(data=st.data())
def test_flow_cache_fuzzed_damage_never_crashes_long(
    flow_reference: tuple[Path, bytes], tmp_path: Path, data
) -> None:  # noqa: ANN001
    _fuzz_flow_entry(flow_reference, tmp_path, data)


# ------------------------------------------------------------------------------ frame cache


def _frame_cache(tiny_dataset: Path, cache: Path):  # noqa: ANN202
    ds = load_casme2(tiny_dataset)
    return ds, FrameCache(cache, ds.fingerprint(), SIZE, None)


@pytest.mark.parametrize("kind", sorted(NAMED_DAMAGE))
def test_frame_cache_entry_damage_is_recomputed(
    kind: str, tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    ds, cache = _frame_cache(tiny_dataset, tmp_path)
    clip = ds.clips[0]
    assert cache.fill([clip], workers=1, progress=False) == {}
    good = cache.path(clip).read_bytes()
    cache.path(clip).write_bytes(NAMED_DAMAGE[kind](good))
    assert cache.load(clip) is None, kind  # detected (and logged), not raised
    assert cache.fill([clip], workers=1, progress=False) == {}
    assert cache.path(clip).read_bytes() == good
    assert cache.load(clip).shape == (len(clip), 3, SIZE, SIZE)


def test_unreadable_error_marker_does_not_crash(tiny_dataset: Path, tmp_path: Path) -> None:
    """The ``.error`` file recording a clip's undecodable frame, itself damaged (binary)."""
    ds, cache = _frame_cache(tiny_dataset, tmp_path)
    clip = ds.clips[0]
    cache.dir.mkdir(parents=True)
    marker = cache.path(clip).with_suffix(".error")
    marker.write_bytes(b"\xff\xfe\x00garbage\x9c")
    failures = cache.fill([clip], workers=1, progress=False)
    assert list(failures) == [clip.id] and isinstance(failures[clip.id], str)


def test_datamodule_recomputes_damaged_entries(
    tiny_datamodule: Callable[..., MicroExpDataModule], cache_dir: Path, tmp_path: Path
) -> None:
    """End to end: a run's caches with one frame entry and one flow entry damaged give the
    same prepared data as the intact caches."""
    intact = tiny_datamodule()
    private = tmp_path / "cache"
    shutil.copytree(cache_dir, private)
    frames = sorted((private / "frames").rglob("*.npy"))
    flows = sorted((private / "flow").rglob("*.npy"))
    assert frames and flows
    frames[0].write_bytes(frames[0].read_bytes()[:100])  # cut short
    flows[-1].write_bytes(b"PK\x03\x04" + b"\x00" * 50)  # not an array at all
    again = tiny_datamodule(cache_dir=str(private))
    assert [c.clip.id for c in again.data.clips] == [c.clip.id for c in intact.data.clips]
    for a, b in zip(again.data.clips, intact.data.clips):
        assert np.array_equal(np.asarray(a.frames), np.asarray(b.frames)), a.clip.id
        assert np.array_equal(np.asarray(a.flow), np.asarray(b.flow)), a.clip.id
    assert again.summary()["skipped"] == intact.summary()["skipped"] == 0
