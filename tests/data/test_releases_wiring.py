"""Every release through one store and one split: cross-dataset splits, subject names unique per
release, each clip's stride from its frame rate, each clip's crop from its release's tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.data.records import Clip, ClipSet
from microexp.data.splits import cross_dataset_split, make_splits
from microexp.data.store import ClipStore


def _clip(dataset: str, subject: str, k: int = 0, fps: float = 200.0) -> Clip:
    return Clip(
        subject, f"{subject}_{k}", [], [], 1, 2, 3, "negative", 0, dataset=dataset, fps=fps
    )


COMPOSITE = [
    *(_clip("casme2", s, k) for s in ("sub01", "sub02", "sub03") for k in range(2)),
    *(_clip("samm", s, k) for s in ("006", "007") for k in range(2)),
    *(_clip("smic", s, k, fps=100.0) for s in ("s1", "s2") for k in range(2)),
]


def test_cross_dataset_trains_on_some_releases_and_tests_on_others() -> None:
    split = cross_dataset_split(COMPOSITE, ["casme2", "samm"], ["smic"], val_subjects=2, seed=3)
    assert split.name == "cross_dataset" and split.test == ("s1", "s2")
    assert len(split.val) == 2 and set(split.val) <= {"sub01", "sub02", "sub03", "006", "007"}
    assert set(split.train) | set(split.val) == {"sub01", "sub02", "sub03", "006", "007"}
    # a release in neither list is left out
    only = cross_dataset_split(COMPOSITE, ["samm"], ["smic"])
    assert only.train == ("006", "007") and only.part_of("sub01") is None
    (again,) = make_splits(
        "cross_dataset", COMPOSITE, train_datasets=["casme2", "samm"], test_datasets=["smic"]
    )
    assert again.test == ("s1", "s2") and not again.val


@pytest.mark.parametrize(
    ("train", "test", "message"),
    [
        ([], ["smic"], "needs split.train_datasets"),
        (["smic"], ["smic"], "both in train_datasets and test_datasets"),
        (["casme"], ["smic"], r"no clips of \['casme'\]"),
    ],
)
def test_cross_dataset_refuses_bad_lists(train: list, test: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cross_dataset_split(COMPOSITE, train, test)


def test_a_subject_name_shared_by_two_releases_is_refused() -> None:
    clips = [_clip("casme2", "sub01"), _clip("casme", "sub01"), _clip("casme", "sub02")]
    with pytest.raises(ValueError, match="'sub01' is named alike in casme2 and casme"):
        make_splits("loso", clips, [0])


def test_each_clip_steps_the_same_time_span(tmp_path: Path) -> None:
    store = ClipStore(tmp_path, frame_stride=4, flow_reference="lag", flow_lag=8)
    rates = {200.0: 4, 100.0: 2, 60.0: 1, 30.0: 1}
    for fps, stride in rates.items():
        ref = store.reference_of(_clip("x", "s", fps=fps))
        assert store.stride_of(_clip("x", "s", fps=fps)) == stride
        assert (ref.stride, ref.lag, ref.back) == (stride, 2 * stride, 2)
    frames = ClipStore(tmp_path, frame_stride=4, stride_fps=None)
    assert {frames.stride_of(_clip("x", "s", fps=f)) for f in rates} == {4}
    with pytest.raises(ValueError, match="stride_fps must be > 0"):
        ClipStore(tmp_path, stride_fps=0)


def test_a_composite_crops_each_release_by_its_own_tree(tmp_path: Path) -> None:
    ds = ClipSet(
        tmp_path, None, tmp_path, "mixed", "3", ("negative",), COMPOSITE, [], [],
        member_kinds={"casme2": "cropped", "samm": "raw", "smic": "cropped"},
    )  # fmt: skip
    store = ClipStore(tmp_path)
    crops = {c.dataset: store.crop_mode(ds, c) for c in COMPOSITE}
    assert crops == {"casme2": None, "samm": "face", "smic": None}
    assert store.frame_cache(ds, COMPOSITE[0]).dir != store.frame_cache(ds, COMPOSITE[6]).dir
    assert ClipStore(tmp_path, crop="none").crop_mode(ds, COMPOSITE[6]) is None
    a, b = store.flow_cache(ds, COMPOSITE[0]), store.flow_cache(ds, COMPOSITE[-1])
    assert a.reference.stride == 1 and b.reference.stride == 1  # frame_stride 1: both 1
    s4 = ClipStore(tmp_path, frame_stride=4)
    assert s4.flow_cache(ds, COMPOSITE[0]).dir != s4.flow_cache(ds, COMPOSITE[-1]).dir
