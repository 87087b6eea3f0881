"""Expressions: each clip moves a random part of its emotion's facial actions, local and subtle,
the action sets overlapping across emotions as in FACS."""

from __future__ import annotations

import numpy as np
import pytest

from microexp.classes import CLASSES_7
from microexp.data.synthetic.actions import EMOTION_ACTIONS, Move, au_text, draw_moves
from microexp.data.synthetic.face import face_params
from microexp.data.synthetic.motion import REF_SIZE, expression_field


@pytest.mark.parametrize("emotion", CLASSES_7)
def test_each_clip_moves_a_random_part_of_its_actions(emotion: str) -> None:
    face = face_params(np.random.default_rng(0), 0.25)
    rng = np.random.default_rng(1)
    drawn = [draw_moves(emotion, rng) for _ in range(40)]
    assert all(moves for moves in drawn)
    assert {m.au for moves in drawn for m in moves} == set(EMOTION_ACTIONS[emotion])
    assert len({tuple(sorted(m.region for m in moves)) for moves in drawn}) > 1
    assert len({moves for moves in drawn}) == len(drawn)  # amplitudes/directions differ too
    for moves in drawn[:5]:
        dx, dy = expression_field(face, moves, 1.0)
        mag = np.hypot(dx, dy) * REF_SIZE / face.width  # pixels at 64x64
        assert mag.max() == pytest.approx(1.0, rel=1e-4)
        assert (mag >= 0.25).mean() < 0.25  # local, not global


def test_action_sets_overlap_as_in_facs() -> None:
    assert 4 in EMOTION_ACTIONS["disgust"] and 4 in EMOTION_ACTIONS["others"]
    assert set(EMOTION_ACTIONS["happiness"]) & set(EMOTION_ACTIONS["disgust"]) == set()
    for emotion in ("anger", "contempt", "tense", "positive", "negative"):
        assert EMOTION_ACTIONS[emotion]


def test_sides_and_coding_text() -> None:
    move = Move(au=12, side="L", amplitude=1.0, angle=0.0, du=0.0, dv=0.0, spread=1.0)
    face = face_params(np.random.default_rng(0), 0.25)
    dx, _ = expression_field(face, (move,), 1.0)
    column = int(np.argmax(np.abs(dx).max(axis=0)))
    assert column > face.cx and dx[:, column].max() > 0  # subject's left: image right, outwards
    right = Move(12, "R", 0.5, 0.0, 0.0, 0.0, 1.0)
    assert au_text((move,)) == "L12" and au_text((move, right)) == "12"
    assert au_text((Move(17, "", 1, 0, 0, 0, 1), Move(4, "R", 1, 0, 0, 0, 1))) == "R4+17"
