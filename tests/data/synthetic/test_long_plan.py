"""The long-video plan: release-like expressions, distractors apart from them, planted quirks,
deterministic in the seed."""

from __future__ import annotations

import pytest

from microexp.data.synthetic import casme_sq, samm_lv
from microexp.data.synthetic.long_generator import generate_videos
from microexp.data.synthetic.long_plan import (
    NO_FOLDER,
    NO_ROWS,
    OFFSET_UNKNOWN,
    ONSET_BEFORE,
    ReleaseStats,
    plan_videos,
)

STATS = {"casme_sq": casme_sq.STATS, "samm_lv": samm_lv.STATS}


@pytest.mark.parametrize("layout", sorted(STATS))
def test_expressions_are_micro_or_macro_by_length_and_apart(layout: str) -> None:
    stats: ReleaseStats = STATS[layout]
    _, plans = plan_videos(stats, subjects=3, videos=3, minutes=0.5, seed=1)
    fps = stats.fps
    kinds: dict[int, set[str]] = {}
    for plan in plans:
        spans = []
        for e in plan.expressions:
            length = e.offset - e.onset + 1
            if e.kind == "micro":
                assert length <= 0.5 * fps
            elif e.sheet[0] != 0:  # a macro that started before the video is longer
                assert 0.5 * fps < length <= 4 * fps
            assert e.onset <= e.apex <= e.offset <= plan.n_frames and e.apex >= 1
            spans.append((e.onset, e.offset))
            kinds.setdefault(plan.subject_index, set()).add(e.kind)
        spans += [(t.start, t.start + t.length - 1) for t in plan.talks]
        spans.sort()
        assert all(b[0] > a[1] for a, b in zip(spans, spans[1:])), "overlapping intervals"
        assert all(b.start >= 1 and b.start + b.length - 1 <= plan.n_frames for b in plan.blinks)
        assert 0.75 * 30 * fps - 1 <= plan.n_frames <= 1.25 * 30 * fps + 1
    assert all(k == {"micro", "macro"} for k in kinds.values()) and len(kinds) == 3


@pytest.mark.parametrize("layout", sorted(STATS))
def test_quirks_are_planted_once(layout: str) -> None:
    stats = STATS[layout]
    _, plans = plan_videos(stats, subjects=3, videos=2, minutes=0.2, seed=0)
    quirks = [(p.subject_index, p.video_index, p.quirk) for p in plans if p.quirk]
    assert quirks == [(0, 3, NO_FOLDER), (2, 1, stats.quirk), (2, 3, NO_ROWS)]
    empty = [p for p in plans if not p.expressions]
    assert [p.quirk for p in empty] == [NO_ROWS]
    written = [(p.video_index, e.sheet) for p in plans for e in p.expressions if e.sheet[0] == 0]
    unknown = [(p.video_index, e) for p in plans for e in p.expressions if e.sheet[2] == 0]
    if stats.quirk == OFFSET_UNKNOWN:
        assert not written and len(unknown) == 1
        _, e = unknown[0]
        assert e.kind == "macro" and e.sheet == (e.onset, e.apex, 0)
    else:
        assert stats.quirk == ONSET_BEFORE and not unknown and len(written) == 1
        quirky = next(p for p in plans if p.quirk == ONSET_BEFORE)
        first = quirky.expressions[0]
        assert first.onset < 1 <= first.apex and first.sheet == (0, first.apex, first.offset)


def test_plans_are_deterministic_in_the_seed() -> None:
    a = plan_videos(samm_lv.STATS, subjects=2, videos=2, minutes=0.2, seed=4)
    b = plan_videos(samm_lv.STATS, subjects=2, videos=2, minutes=0.2, seed=4)
    c = plan_videos(samm_lv.STATS, subjects=2, videos=2, minutes=0.2, seed=5)
    assert a == b and a != c
    faces = a[0]
    assert (faces[0].width, faces[0].height) == samm_lv.STATS.canvas
    assert faces[0].cx != faces[1].cx


def test_bad_sizes_are_refused_before_writing(tmp_path) -> None:
    with pytest.raises(ValueError, match="at least one subject"):
        plan_videos(casme_sq.STATS, subjects=0, videos=1, minutes=1, seed=0)
    with pytest.raises(ValueError, match="at most 9 videos"):
        generate_videos(tmp_path / "x", layout="casme_sq", subjects=1, videos=8, progress=False)
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match="unknown long-video layout"):
        generate_videos(tmp_path / "y", layout="smic", progress=False)
