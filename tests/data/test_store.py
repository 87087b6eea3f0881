"""The data store on the tiny set: pseudo-masks, the flow chain, flow attached only where
asked, split parts."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from microexp.data.datamodule import MicroExpDataModule
from microexp.data.frames import to_square
from microexp.data.splits import make_splits
from microexp.data.targets import pseudo_masks


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean maps (1.0 when both are empty)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = (a | b).sum()
    return 1.0 if union == 0 else float((a & b).sum() / union)


@pytest.fixture(scope="module")
def dm(tiny_datamodule: Callable[..., MicroExpDataModule]) -> MicroExpDataModule:
    return tiny_datamodule()


def test_pseudo_masks_overlap_ground_truth(dm: MicroExpDataModule) -> None:
    """The mask at the apex (the chain frame nearest it) against the generator's region."""
    ious, chance = [], []
    for cd in dm.data.clips:
        truth = cv2.imread(str(dm.root / "masks" / cd.clip.subject / f"{cd.clip.episode}.png"), 0)
        truth = to_square(truth, 64) > 127  # squared as the frames are
        apex = int(np.argmin(np.abs(cd.numbers[cd.chain] - cd.clip.apex)))
        mask = pseudo_masks(cd.motion(np.array([apex])), np.array([True]), dm.mask_threshold)
        region = mask[0, 0].astype(bool)
        ious.append(mask_iou(region, truth))
        a, g = region.mean(), truth.mean()  # expected IoU of a random region of that size
        chance.append(a * g / (a + g - a * g) if a + g else 0.0)
    assert np.mean(ious) > 3 * np.mean(chance), (np.mean(ious), np.mean(chance))
    assert np.mean(ious) > 0.3, ious


def test_flow_lies_on_the_chain(dm: MicroExpDataModule) -> None:
    for cd in dm.data.clips:
        assert cd.stride == 4 and cd.chain.tolist() == list(range(0, len(cd.numbers), 4))
        assert cd.flow.shape == (len(cd.chain), 2, 64, 64) and cd.flow.dtype == np.float16
        assert not cd.flow[0].any()  # entry 0: no earlier frame
        assert cd.head.shape == (len(cd.chain), 4)
        # onset-referenced: at the apex the displacement stands above the masks' threshold
        apex = int(np.argmin(np.abs(cd.numbers[cd.chain] - cd.clip.apex)))
        size = np.hypot(*cd.motion(np.array([apex]))[0])
        assert size.max() > 2 * dm.mask_threshold


def test_flow_is_attached_only_where_asked(dm: MicroExpDataModule) -> None:
    """What the baselines do: clips without flow, then the flow of the clips they test."""
    data = dm.store.prepare(flow=False)
    assert [c.clip.id for c in data.clips] == [c.clip.id for c in dm.data.clips]
    assert all(c.flow is None and c.head is None for c in data.clips)
    for a, b in zip(data.clips, dm.data.clips):
        assert np.array_equal(a.frames, b.frames) and np.array_equal(a.numbers, b.numbers)
        assert np.array_equal(a.intensity, b.intensity) and np.array_equal(a.states, b.states)
        assert np.array_equal(a.inside, b.inside) and a.label == b.label
    chosen = data.clips[2].clip.id
    dm.store.attach_flow(data, {chosen})
    for a, b in zip(data.clips, dm.data.clips):
        if a.clip.id == chosen:
            assert np.array_equal(a.flow, b.flow) and np.array_equal(a.head, b.head)
        else:
            assert a.flow is None and a.head is None
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
