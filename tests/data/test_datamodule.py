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
    b = 4
    steps = batch["valid"].sum(1)  # whole clips: each item as long as its clip's chain
    t = int(steps.max())
    assert batch["frames"].shape == (b, t + 1, 3, 64, 64) and batch["frames"].dtype == torch.uint8
    assert batch["flow"].shape == (b, t, 2, 64, 64) and batch["flow"].dtype == torch.float32
    for key in ("intensity", "state", "valid", "inside"):
        assert batch[key].shape == (b, t), key
    assert batch["mask"].shape == (b, t, 1, 64, 64)
    assert batch["label"].shape == (b,) and batch["frame_numbers"].shape == (b, t + 1)
    assert len(batch["subject"]) == b and len(batch["episode"]) == b
    assert batch["aug"].shape == (b, 4)
    lengths = {c.clip.id: len(c.chain) - 1 for c in dm.data.clips}
    for i, (s, e) in enumerate(zip(batch["subject"], batch["episode"])):
        n = int(steps[i])
        assert n == lengths[f"{s}/{e}"] and batch["valid"][i, :n].all()
        numbers = batch["frame_numbers"][i, : n + 1]
        assert (numbers[1:] - numbers[:-1] == 4).all()  # frame_stride
        assert (batch["frame_numbers"][i, n + 1 :] == -1).all()
        assert not batch["mask"][i, n:].any() and not batch["flow"][i, n:].any()
    out = dm.on_after_batch_transfer(batch, 0)
    assert "aug" not in out and out["frames"].dtype == torch.uint8


def test_bad_options_are_clear_errors(tiny_dataset: Path) -> None:
    bad = {
        "train_sequences": ("windows", "train_sequences must be one of"),
        "balance": ("weights", "balance must be one of"),
        "mask_threshold": (0.0, "mask_threshold must be > 0"),
        "square": ("stretch", "square must be one of"),
        "flow_size": (32, "flow_size .32. must be >= size"),
        "flow_reference": ("apex", "flow reference must be one of"),
    }
    for key, (value, words) in bad.items():
        with pytest.raises(ValueError, match=words):
            MicroExpDataModule(str(tiny_dataset), progress=False, **{key: value})
    with pytest.raises(ValueError, match="multiple of the frame stride"):
        MicroExpDataModule(str(tiny_dataset), flow_reference="lag", flow_lag=6, frame_stride=4)


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
