"""Targets: intensity ramps, the six states, pseudo motion masks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from microexp.data.frames import to_square
from microexp.data.synthetic import ClipSpec, Distractors, plan_casme2, render_clip
from microexp.data.targets import intensity_curve, pseudo_masks, target_states
from microexp.flow.cache import FlowCache
from microexp.flow.head_motion import face_region, remove_head_motion
from microexp.states import APEX, APEX_OFFSET, NEUTRAL, OFFSET, ONSET, ONSET_APEX, STATES
from tests.conftest import CONF

#: The configured pseudo-mask threshold (pixels at the network's size).
THRESHOLD = float(OmegaConf.load(CONF / "data" / "casme2.yaml")["mask_threshold"])


def test_linear_intensity() -> None:
    frames = np.arange(8, 23)  # onset 10, apex 13, offset 19
    y = intensity_curve(frames, 10, 13, 19)
    assert y[frames < 10].tolist() == [0, 0] and y[frames > 19].tolist() == [0, 0, 0]
    assert y[frames == 13][0] == 1.0
    np.testing.assert_allclose(y[(frames >= 10) & (frames <= 13)], [0, 1 / 3, 2 / 3, 1], 1e-6)
    np.testing.assert_allclose(y[(frames >= 13) & (frames <= 19)], np.linspace(1, 0, 7), 1e-6)


def test_cosine_intensity_and_edge_cases() -> None:
    frames = np.arange(0, 11)
    y = intensity_curve(frames, 0, 5, 10, kind="cosine")
    assert y[0] == 0 and y[5] == pytest.approx(1) and y[10] == pytest.approx(0)
    assert y[2] < intensity_curve(frames, 0, 5, 10)[2]  # slower start than linear
    y = intensity_curve(frames, 4, 4, 6)  # apex at onset
    assert y[4] == 1 and y[3] == 0
    with pytest.raises(ValueError, match="onset <= apex"):
        intensity_curve(frames, 5, 3, 8)
    with pytest.raises(ValueError, match="intensity kind"):
        intensity_curve(frames, 0, 5, 10, kind="square")


def test_states_follow_design_rules() -> None:
    frames = np.arange(0, 21)  # onset 2, apex 8, offset 17
    y = intensity_curve(frames, 2, 8, 17)
    s = target_states(frames, 2, 8, 17, y)
    assert len(s) == len(frames) and set(s) <= set(range(len(STATES)))
    for f, yy, st in zip(frames, y, s):
        if f < 2 or f > 17:
            assert st == NEUTRAL
        elif yy >= 0.9:
            assert st == APEX
        elif f < 8:
            assert st == (ONSET if yy < 1 / 3 else ONSET_APEX)
        else:
            assert st == (OFFSET if yy < 1 / 3 else APEX_OFFSET)
    assert list(s[:3]) == [NEUTRAL, NEUTRAL, ONSET]  # the onset frame itself (y = 0) is onset
    assert s[8] == APEX and s[17] == OFFSET and s[18] == NEUTRAL


def test_pseudo_masks_threshold_the_displacement() -> None:
    motion = np.zeros((4, 2, 32, 32), np.float32)
    motion[:, 1, 20:24, 10:16] = -0.3  # a part of the face moves up 0.3 px
    motion[:, 0, 0:4, 0:4] = 5.0  # outside the face ellipse: never in a mask
    motion[:, 0, 10:14, 10:14] = 0.05  # below the threshold
    motion[:, 0, 8:10, 20:22] = 0.5  # a speck of 2 x 2 pixels: removed
    inside = np.array([False, True, True, False])
    masks = pseudo_masks(motion, inside, 0.1)
    assert masks.shape == (4, 1, 32, 32) and masks.dtype == np.uint8
    assert masks[[0, 3]].sum() == 0  # frames outside [onset, offset]
    moving = np.zeros((32, 32), bool)
    moving[20:24, 10:16] = True
    assert (masks[1, 0] == moving).all() and (masks[2, 0] == moving).all()
    region = np.ones((32, 32), bool)
    assert pseudo_masks(motion, inside, 0.1, region)[1, 0, :4, :4].all()
    with pytest.raises(ValueError):
        pseudo_masks(motion, inside[:3], 0.1)


def test_pseudo_masks_of_a_still_face_are_empty() -> None:
    """No expression: sensor noise, lighting flicker and head drift over whole clips, flow from
    the first frame computed as the store computes it (128 -> 64, brightness matched, head
    motion removed). The configured threshold leaves the masks all but empty; a threshold
    relative to the clip (the old per-clip quantile) marked 10% of every frame."""
    faces = plan_casme2(2, 2).faces
    still = dataclasses.replace(Distractors(), blink=0.0)  # blinks are real motion
    cache = FlowCache("/nowhere", fingerprint="still", size=64, flow_size=128, backend="opencv")
    for subject in range(2):
        spec = ClipSpec(subject, "sub01", "EP01_01", "happiness", "", 0, 33, 0, 16, 32, 0.0, 5, ())
        frames, _ = render_clip(spec, faces[subject], still)
        chain = torch.from_numpy(np.stack([to_square(f, 128) for f in frames[::4]]))
        chain = chain.permute(0, 3, 1, 2).contiguous()
        motion = remove_head_motion(cache._compute(chain[[0] * 8], chain[1:9]).numpy())
        noise = np.hypot(motion[:, 0], motion[:, 1])[:, face_region(64, 64)]
        assert np.quantile(noise, 0.9) < THRESHOLD / 2  # the floor: well below the threshold
        # a stray pixel at most (a relative threshold would mark a tenth of every frame)
        assert pseudo_masks(motion, np.ones(len(motion), bool), THRESHOLD).mean() < 0.005
