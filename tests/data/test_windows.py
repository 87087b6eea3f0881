"""Training windows, whole-clip evaluation items and the epoch sampler, through the DataModule's
loaders on the tiny set: padding, determinism, epochs, virtual copies."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from microexp.data.datamodule import MicroExpDataModule
from microexp.data.datasets.casme2 import load_casme2
from microexp.data.windows import EpochSampler

LOADERS = dict(batch_size=4, eval_batch_size=3, copies=2, seed=7)


@pytest.fixture(scope="module")
def dm(tiny_datamodule: Callable[..., MicroExpDataModule]) -> MicroExpDataModule:
    return tiny_datamodule(**LOADERS)


def test_eval_batches_are_whole_clips_with_padding(dm: MicroExpDataModule) -> None:
    ds = load_casme2(dm.root)
    lengths = {c.id: len(c) for c in ds.clips}
    for batch in dm.test_dataloader():
        for i, (s, e) in enumerate(zip(batch["subject"], batch["episode"])):
            n = int(batch["valid"][i].sum())
            assert n == (lengths[f"{s}/{e}"] - 1) // 4
            assert (batch["frame_numbers"][i, n + 1 :] == -1).all()
            assert not batch["valid"][i, n:].any()
        assert "aug" not in batch


def test_same_seed_same_batches_and_epochs_differ(
    tiny_datamodule: Callable[..., MicroExpDataModule], dm: MicroExpDataModule
) -> None:
    other = tiny_datamodule(**LOADERS)
    a = next(iter(dm.train_dataloader()))
    b = next(iter(other.train_dataloader()))
    for key in ("frames", "flow", "aug", "intensity", "mask"):
        assert torch.equal(a[key], b[key]), key
    assert a["episode"] == b["episode"]
    ds = dm.train_set
    e0 = [ds.item(0, k)["aug"] for k in range(len(ds))]
    e1 = [ds.item(1, k)["aug"] for k in range(len(ds))]
    assert all(not torch.equal(x, y) for x, y in zip(e0, e1))
    sampler = EpochSampler(len(ds), seed=7)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert sorted(k % len(ds) for k in second) == list(range(len(ds)))
    assert [k % len(ds) for k in first] != [k % len(ds) for k in second]


def test_virtual_copies_cost_nothing(
    tiny_datamodule: Callable[..., MicroExpDataModule], cache_dir: Path, dm: MicroExpDataModule
) -> None:
    before = sum(p.stat().st_size for p in cache_dir.rglob("*") if p.is_file())  # dm filled it
    one = tiny_datamodule(**(LOADERS | {"copies": 1}))
    many = tiny_datamodule(**(LOADERS | {"copies": 150}), setup=False)
    many.data = one.data  # same clips: measure only what the copies add
    tracemalloc.start()
    many.setup("fit")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_clips = len(one.train_set.clips)
    assert len(many.train_set) == 150 * n_clips and len(one.train_set) == n_clips
    assert peak < 1_000_000  # bytes: no per-copy storage
    after = sum(p.stat().st_size for p in cache_dir.rglob("*") if p.is_file())
    assert after == before  # and no extra disk
    item = many.train_set[149 * n_clips]  # the last copy of the first clip exists
    assert item["episode"] == one.train_set.clips[0].clip.episode
