"""Protocols: one question (the label of emotion E under protocol P for dataset D) answers every
reader; the MEGC 2019 mapping per release; unknown protocols named with the known ones."""

from __future__ import annotations

import pytest

from microexp.classes import (
    CLASSES_5,
    CLASSES_7,
    MEGC2019_CLASSES,
    PROTOCOLS,
    canonical_emotion,
    dataset_protocols,
    label_of,
    protocol_of,
)


def test_casme2_protocols_are_unchanged() -> None:
    assert PROTOCOLS == {"5": CLASSES_5, "7": CLASSES_7}
    assert protocol_of("casme2", "5").classes == CLASSES_5
    assert protocol_of("casme2", "7-class").classes == CLASSES_7
    assert [label_of("casme2", "5", e) for e in CLASSES_5] == list(range(5))
    assert label_of("casme2", "5", "fear") is None and label_of("casme2", "7", "fear") == 5


@pytest.mark.parametrize(
    ("dataset", "negative", "left_out"),
    [
        ("casme2", {"disgust", "repression"}, {"others", "fear", "sadness"}),
        ("samm", {"anger", "contempt", "disgust", "fear", "sadness"}, {"others"}),
        ("smic", {"negative"}, set()),
        ("casme3", {"disgust", "fear", "anger", "sadness"}, {"others"}),
        ("composite", {"negative", "repression", "anger", "contempt", "disgust"}, {"others"}),
    ],
)
def test_megc_three_classes(dataset: str, negative: set[str], left_out: set[str]) -> None:
    assert protocol_of(dataset, "3").classes == MEGC2019_CLASSES
    assert {label_of(dataset, "3", e) for e in negative} == {0}
    if dataset != "smic":
        assert label_of(dataset, "3", "happiness") == 1
    assert label_of(dataset, "3", "surprise") == 2
    assert {label_of(dataset, "3", e) for e in left_out} <= {None}


def test_release_protocols() -> None:
    assert dataset_protocols("samm") == ("5", "all", "3")
    assert protocol_of("samm", "5").classes == (
        "anger",
        "contempt",
        "happiness",
        "surprise",
        "others",
    )
    assert len(protocol_of("samm", "all").classes) == 8
    assert protocol_of("casme", "4").classes == ("tense", "disgust", "repression", "surprise")
    assert label_of("casme3", "7", canonical_emotion("sad") or "") == 5
    assert label_of("casme3", "7", canonical_emotion("happy") or "") == 0
    assert canonical_emotion("Amusement") == "happiness" and canonical_emotion("Other") == "others"


def test_unknown_protocol_or_dataset_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown protocol '5' for smic: known protocols are 3"):
        label_of("smic", "5", "negative")
    with pytest.raises(ValueError, match="no protocols for dataset 'mmew'"):
        dataset_protocols("mmew")
