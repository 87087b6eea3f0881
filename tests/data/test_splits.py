"""Subject-independent splits."""

from __future__ import annotations

import pytest

from microexp.data.records import Clip
from microexp.data.splits import holdout_clips_split, holdout_split, loso_split, make_splits

SUBJECTS = [f"sub{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)]


def test_every_subject_in_exactly_one_loso_test_fold() -> None:
    tested = []
    for fold in range(len(SUBJECTS)):
        split = loso_split(SUBJECTS, fold, val_subjects=2, seed=1)
        assert len(split.test) == 1
        assert split.test[0] not in split.train + split.val
        assert sorted(split.train + split.val + split.test) == sorted(SUBJECTS)
        assert len(split.val) == 2
        tested.append(split.test[0])
    assert sorted(tested) == sorted(SUBJECTS)


def test_loso_order_is_natural() -> None:
    subjects = ["sub10", "sub2", "sub1"]
    assert [loso_split(subjects, k).test[0] for k in range(3)] == ["sub1", "sub2", "sub10"]


def test_loso_bad_fold() -> None:
    with pytest.raises(ValueError, match="fold 12 does not exist"):
        loso_split(SUBJECTS, 12)


def test_holdout_subject_disjoint_and_seeded() -> None:
    a = holdout_split(SUBJECTS, seed=0)
    assert not set(a.train) & set(a.test)
    assert len(a.train) == round(0.7 * len(SUBJECTS))
    assert sorted(a.train + a.test) == sorted(SUBJECTS)
    assert holdout_split(SUBJECTS, seed=0) == a
    assert holdout_split(SUBJECTS, seed=1) != a
    v = holdout_split(SUBJECTS, seed=0, val_subjects=["sub01"] if "sub01" in a.train else 1)
    assert not set(v.val) & set(v.test) and len(v.val) == 1


def test_val_subjects_never_from_test() -> None:
    with pytest.raises(ValueError, match="not training subjects"):
        loso_split(SUBJECTS, 0, val_subjects=["sub01"])  # sub01 is fold 0's test subject
    with pytest.raises(ValueError, match="at least one training subject"):
        loso_split(SUBJECTS[:3], 0, val_subjects=2)


def test_holdout_clips_is_labelled() -> None:
    split = holdout_clips_split([f"sub01/EP{i:02d}" for i in range(10)], seed=0)
    assert split.by == "clip" and split.name == "holdout_clips"
    assert not set(split.train) & set(split.test)


def _clips(subjects: list[str], per_subject: int = 2) -> list[Clip]:
    return [
        Clip(s, f"EP{i:02d}", [], [1, 2], 1, 1, 2, "others", 0)
        for s in subjects
        for i in range(per_subject)
    ]


def test_make_splits_by_name() -> None:
    clips = _clips(SUBJECTS[:4])
    folds = make_splits("loso", clips)
    assert [s.fold for s in folds] == [0, 1, 2, 3]
    assert [s.test for s in folds] == [(s,) for s in SUBJECTS[:4]]
    (one,) = make_splits("loso", clips, [2], val_subjects=1, seed=3)
    assert one == loso_split(SUBJECTS[:4], 2, val_subjects=1, seed=3)
    (holdout,) = make_splits("holdout", clips, [2], train_fraction=0.5, seed=1)
    assert holdout == holdout_split(SUBJECTS[:4], train_fraction=0.5, seed=1)
    (by_clip,) = make_splits("holdout_clips", clips, seed=1)
    assert by_clip == holdout_clips_split([c.id for c in clips], seed=1)
    with pytest.raises(ValueError, match="fold 7 does not exist"):
        make_splits("loso", clips, [0, 7])
    with pytest.raises(ValueError, match="split must be one of"):
        make_splits("kfold", clips)
