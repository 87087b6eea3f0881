"""MicroExpDataModule on a tiny generated set: the batch contract, splits, skips, bad roots."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from microexp.data.datamodule import MicroExpDataModule
from microexp.data.datasets.casme2 import load_casme2

#: Loader settings of these tests (the rest is the ``tiny_datamodule`` fixture's).
LOADERS = dict(batch_size=4, eval_batch_size=3, copies=2, seed=7)


@pytest.fixture(scope="module")
def dm(tiny_datamodule: Callable[..., MicroExpDataModule]) -> MicroExpDataModule:
    return tiny_datamodule(**LOADERS)


def test_batch_contract(dm: MicroExpDataModule) -> None:
    batch = next(iter(dm.train_dataloader()))
    b, t = 4, 6
    assert batch["frames"].shape == (b, t + 1, 3, 64, 64) and batch["frames"].dtype == torch.uint8
    assert batch["flow"].shape == (b, t, 2, 64, 64) and batch["flow"].dtype == torch.float32
    for key in ("intensity", "state", "valid", "inside"):
        assert batch[key].shape == (b, t), key
    assert batch["mask"].shape == (b, t, 1, 64, 64)
    assert batch["label"].shape == (b,) and batch["frame_numbers"].shape == (b, t + 1)
    assert len(batch["subject"]) == b and len(batch["episode"]) == b
    assert batch["aug"].shape == (b, 4)
    assert batch["valid"].all()  # windows fit in these clips
    steps = batch["frame_numbers"][:, 1:] - batch["frame_numbers"][:, :-1]
    assert (steps == 4).all()  # frame_stride
    out = dm.on_after_batch_transfer(batch, 0)
    assert "aug" not in out and out["frames"].dtype == torch.uint8


def test_no_test_subject_in_train_or_val_for_every_fold(
    tiny_datamodule: Callable[..., MicroExpDataModule], dm: MicroExpDataModule
) -> None:
    subjects = sorted({c.clip.subject for c in dm.data.clips})
    for fold in range(len(subjects)):
        fold_dm = tiny_datamodule(**LOADERS, fold=fold, val_subjects=1, setup=False)
        fold_dm.data = dm.data
        fold_dm.setup("fit")
        test = {cd.clip.subject for cd in fold_dm.test_set.clips}
        train = {cd.clip.subject for cd in fold_dm.train_set.clips}
        val = {cd.clip.subject for cd in fold_dm.val_set.clips}
        assert test == {subjects[fold]}
        assert not test & train and not test & val and not train & val
        assert len(val) == 1


def test_skips_reach_the_summary(
    tiny_datamodule: Callable[..., MicroExpDataModule], tiny_dataset: Path, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(tiny_dataset, root)
    ds = load_casme2(root)
    victim = ds.clips[0]
    # a frame that passes the cheap header check but cannot be decoded
    victim.frames[3].write_bytes(b"\xff\xd8" + b"\x00" * 200 + b"\xff\xd9")
    extra = root / "Cropped" / "sub01" / "EP99_99"
    shutil.copytree(ds.clips[1].frames[0].parent, extra)  # a folder with no sheet row
    module = tiny_datamodule(root, cache_dir=str(tmp_path / "cache"), **LOADERS)
    summary = module.summary()
    reasons = {(r["subject"], r["episode"]): r["reason"] for r in summary["skipped_reasons"]}
    assert summary["skipped"] == 2
    assert "cannot be decoded" in reasons[(victim.subject, victim.episode)]
    assert victim.frames[3].name in reasons[(victim.subject, victim.episode)]
    assert "no row in the coding sheet" in reasons[("sub01", "EP99_99")]
    assert summary["clips"] == len(ds.clips) - 1


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    module = MicroExpDataModule(str(tmp_path / "nowhere"), progress=False)
    with pytest.raises(FileNotFoundError, match="set data.root"):
        module.prepare_data()
