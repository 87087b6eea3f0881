"""The data store on the tiny set: pseudo-masks, flow attached only where asked, split parts."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from microexp.data.datamodule import MicroExpDataModule
from microexp.data.splits import make_splits
from microexp.data.targets import mask_iou


@pytest.fixture(scope="module")
def dm(tiny_datamodule: Callable[..., MicroExpDataModule]) -> MicroExpDataModule:
    return tiny_datamodule()


def test_pseudo_masks_overlap_ground_truth(dm: MicroExpDataModule) -> None:
    ious, chance = [], []
    for cd in dm.data.clips:
        truth = cv2.imread(str(dm.root / "masks" / cd.clip.subject / f"{cd.clip.episode}.png"), 0)
        truth = cv2.resize(truth, (64, 64), interpolation=cv2.INTER_AREA) > 127
        ious.append(mask_iou(cd.region, truth))
        a, g = cd.region.mean(), truth.mean()  # expected IoU of a random region of that size
        chance.append(a * g / (a + g - a * g))
    # far above chance (the mean IoU itself is reported in the closing note of issue 4)
    assert np.mean(ious) > 3 * np.mean(chance), (np.mean(ious), np.mean(chance))


def test_flow_is_attached_only_where_asked(dm: MicroExpDataModule) -> None:
    """What the baselines do: clips without flow, then the flow of the clips they test."""
    data = dm.store.prepare(flow=False)
    assert [c.clip.id for c in data.clips] == [c.clip.id for c in dm.data.clips]
    assert all(c.flow is None and c.region is None for c in data.clips)
    for a, b in zip(data.clips, dm.data.clips):
        assert np.array_equal(a.frames, b.frames) and np.array_equal(a.numbers, b.numbers)
        assert np.array_equal(a.intensity, b.intensity) and np.array_equal(a.states, b.states)
        assert np.array_equal(a.inside, b.inside) and a.label == b.label
    chosen = data.clips[2].clip.id
    dm.store.attach_flow(data, {chosen})
    for a, b in zip(data.clips, dm.data.clips):
        if a.clip.id == chosen:
            assert np.array_equal(a.flow, b.flow) and np.array_equal(a.region, b.region)
        else:
            assert a.flow is None and a.region is None
    assert data.summary() == dm.data.summary()


def test_parts_follow_the_split(dm: MicroExpDataModule) -> None:
    clips = [c.clip for c in dm.data.clips]
    (by_subject,) = make_splits("loso", clips, [1])
    parts = dm.data.parts(by_subject)
    assert {c.clip.subject for c in parts["test"]} == {"sub02"} and not parts["val"]
    assert len(parts["train"]) + len(parts["test"]) == len(clips)
    (by_clip,) = make_splits("holdout_clips", clips)
    parts = dm.data.parts(by_clip)
    assert {c.clip.id for c in parts["test"]} == set(by_clip.test)
    assert {c.clip.id for c in parts["train"]} == set(by_clip.train)
