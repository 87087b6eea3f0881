"""Training sequences, whole-clip evaluation items and the epoch sampler, through the
DataModule's loaders on the tiny set: training and evaluation lengths, padding, determinism,
epochs, virtual copies, class-balanced draws."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.data import windows
from microexp.data.datamodule import MicroExpDataModule
from microexp.data.datasets.casme2 import load_casme2
from microexp.data.windows import EpochSampler, EvalShard, balanced_draw

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
    assert list(dm.train_dataloader().sampler) == list(other.train_dataloader().sampler)
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


def test_training_items_are_as_long_as_evaluation_items(
    tiny_datamodule: Callable[..., MicroExpDataModule], dm: MicroExpDataModule
) -> None:
    """The GRU runs as many steps per training item as per evaluation item of the same clip
    (whole clips), or at most ``seq_len`` in both (windows; evaluation then in windows)."""
    from microexp.data.windows import WholeClips

    assert dm.eval_window is None
    clips = dm.train_set.clips
    evaluation = WholeClips(clips, mask_threshold=dm.mask_threshold)
    for k, cd in enumerate(clips):
        train_steps = int(dm.train_set.item(3, k)["valid"].sum())
        eval_steps = int(evaluation[k]["valid"].sum())
        assert train_steps == eval_steps == len(cd.chain) - 1
    windows = tiny_datamodule(**(LOADERS | {"train_sequences": "window", "seq_len": 3}))
    assert windows.eval_window == 3
    for k in range(len(windows.train_set)):
        item = windows.train_set.item(0, k)
        assert item["flow"].shape[0] == 3 and bool(item["valid"].all())
    # a window starts anywhere on the chain and carries that chain frame's flow entries
    item = windows.train_set.item(0, 0)
    cd = windows.train_set.clips[0]
    start = int(np.searchsorted(cd.numbers, int(item["frame_numbers"][0])))
    assert start % 4 == 0
    entries = np.arange(start // 4 + 1, start // 4 + 4)
    np.testing.assert_array_equal(item["flow"].numpy(), cd.motion(entries))


def test_balanced_draws_are_uniform_over_classes() -> None:
    """CASME II's 5-class counts: each class drawn a fifth of the time, not 40% "others"."""
    labels = [c for c, n in enumerate((99, 63, 32, 27, 25)) for _ in range(n)]
    copies, n = 4, len(labels)
    sampler = EpochSampler(copies * n, seed=3, labels=labels)
    counts = Counter()
    for epoch in range(5):
        sampler.set_epoch(epoch)
        drawn = [k - epoch * copies * n for k in sampler]
        assert len(drawn) == copies * n and all(0 <= k < copies * n for k in drawn)
        counts.update(labels[k % n] for k in drawn)
    freq = np.array([counts[c] for c in range(5)]) / sum(counts.values())
    assert np.abs(freq - 0.2).max() < 0.02, freq
    # deterministic from (seed, epoch); epochs differ; repeated clips get other copies
    a = balanced_draw(labels, copies, 3, 0)
    assert np.array_equal(a, balanced_draw(labels, copies, 3, 0))
    assert not np.array_equal(a, balanced_draw(labels, copies, 3, 1))
    first = a[np.isin(a % n, [n - 1])]  # the last "surprise" clip, drawn ~5 times
    assert len(set(first.tolist())) == min(len(first), copies)
    with pytest.raises(ValueError, match="copies"):
        EpochSampler(7, seed=0, labels=[0, 1, 2])


def test_sampler_shards_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under DDP rank r of 3 takes every third draw of the same epoch, balanced or not, the
    16 draws padded with the first two so that every rank runs 6 steps."""
    for labels in (None, [0] * 6 + [1] * 2):
        sampler = EpochSampler(16, seed=1, labels=labels)
        sampler.set_epoch(2)
        whole = list(sampler)
        assert len(set(whole)) == 16 or labels is not None  # a permutation unless balanced
        padded = whole + whole[:2]
        shards = []
        for rank in range(3):
            monkeypatch.setattr(windows, "rank_and_world", lambda r=rank: (r, 3))
            shards.append(list(sampler))
            assert shards[-1] == padded[rank::3] and len(sampler) == 6
        # together the ranks draw the whole epoch, each draw once (the padding aside)
        assert sorted(sum(shards, [])) == sorted(padded)
        monkeypatch.undo()


def test_eval_shards_partition_the_clips(monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluation blocks: contiguous, no clip twice, none left out, in order; a rank may get
    none when there are fewer clips than ranks."""
    assert list(EvalShard(5)) == [0, 1, 2, 3, 4]
    for n, world in ((5, 2), (7, 3), (1, 2), (0, 2)):
        blocks = []
        for rank in range(world):
            monkeypatch.setattr(windows, "rank_and_world", lambda r=rank, w=world: (r, w))
            blocks.append(list(EvalShard(n)))
            assert len(EvalShard(n)) == len(blocks[-1])
        assert sum(blocks, []) == list(range(n))
        assert max(map(len, blocks)) - min(map(len, blocks)) <= 1
        monkeypatch.undo()
